#if canImport(Glibc)
    import Glibc
#endif

/// What the processor offers the kernels, read once per process.
///
/// Every member is `package`; the namespace is `public` only so that `avx512`, checked on every
/// product call, is inlined into other modules (see `MatMul`).
public enum CPU {
    /// Whether the AVX-512 kernels run: true on x86-64 Linux when /proc/cpuinfo lists avx512f,
    /// avx512bw, avx512dq and avx512vl (the kernel lists them only when the operating system
    /// saves the 512-bit registers), unless the environment sets `CONVDYN_SIMD=avx2`.
    /// The AVX-512 and AVX2 kernels give the same bits, so this changes speed, never results.
    @inlinable
    package static var avx512: Bool {
        // Read on every product call: a constant-initialised global needs no lazy-initialisation
        // check, and threads racing to fill it in write the same value.
        if avx512State == 0 { avx512State = detectAVX512() ? 2 : 1 }
        return avx512State == 2
    }

    /// 0 not yet read, 1 no, 2 yes.
    @usableFromInline nonisolated(unsafe) static var avx512State: UInt8 = 0

    @usableFromInline
    static func detectAVX512() -> Bool {
        #if arch(x86_64) && canImport(Glibc)
            if let choice = getenv("CONVDYN_SIMD"), String(cString: choice) == "avx2" { return false }
            guard let flags = cpuinfoFlags() else { return false }
            return ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        #else
            return false
        #endif
    }

    #if canImport(Glibc)
        /// The words of the first "flags" line of /proc/cpuinfo.
        static func cpuinfoFlags() -> Set<Substring>? {
            guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
            defer { fclose(file) }
            var line: UnsafeMutablePointer<CChar>? = nil
            var capacity = 0
            defer { free(line) }
            while getline(&line, &capacity, file) > 0 {
                let text = String(cString: line!)
                if text.hasPrefix("flags") {
                    guard let colon = text.firstIndex(of: ":") else { return nil }
                    return Set(
                        text[text.index(after: colon)...].split(whereSeparator: {
                            $0 == " " || $0 == "\n" || $0 == "\t"
                        }))
                }
            }
            return nil
        }
    #endif
}
