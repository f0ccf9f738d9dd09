import CZlib

/// Why `gzipReadFile` failed.
package enum GzipReadFailure: Error, Equatable {
    /// The file is missing or unreadable.
    case cannotOpen
    /// zlib reported an error while inflating, with its message.
    case corrupt(String)
    /// The compressed stream ends early.
    case truncated
    /// zlib's status on closing was not Z_OK.
    case incomplete(status: Int32)
}

/// The whole content of the file at `path`, raw or gzip-compressed (detected from its first
/// bytes), read through zlib.
package func gzipReadFile(_ path: String) -> Result<[UInt8], GzipReadFailure> {
    guard let file = gzopen(path, "rb") else { return .failure(.cannotOpen) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if n < 0 {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown error"
            gzclose(file)
            return .failure(.corrupt(message))
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<Int(n)])
    }
    let status = gzclose(file)
    if status == Z_BUF_ERROR { return .failure(.truncated) }
    guard status == Z_OK else { return .failure(.incomplete(status: status)) }
    return .success(out)
}

/// Whether the file at `path` could be created (false when not) and all of `bytes` written
/// gzip-compressed into it.
package func gzipWriteFile(_ bytes: [UInt8], to path: String) -> (created: Bool, written: Bool) {
    guard let file = gzopen(path, "wb") else { return (false, false) }
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    gzclose(file)
    return (true, written == Int32(bytes.count) || bytes.isEmpty)
}
