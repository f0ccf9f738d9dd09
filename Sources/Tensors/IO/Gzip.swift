import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why reading a data file through `DataFileStream` failed.
package enum DataStreamFailure: Error, Equatable {
    /// open(2) failed, with the system's message.
    case cannotOpen(String)
    /// read(2) failed, with the system's message (a directory, an I/O error).
    case cannotRead(String)
    /// zlib found the compressed data corrupt (a bad block, header, CRC or length check), with its message.
    case corrupt(String)
    /// The compressed stream ends before its end marker.
    case truncated
    /// Bytes that are not another gzip member follow the end of the gzip stream: `bytes` of them, or more than
    /// `bytes` when `more`.
    case trailingGarbage(bytes: Int, more: Bool)
}

/// A data file read front to back in bounded memory: raw, or gzip-compressed (detected from its
/// first two bytes, 1f 8b) and inflated as a stream, one member after another. The reader asks for
/// exactly the bytes it needs; nothing beyond them is held, so a file's header can be checked
/// before its payload is read, and an endless file (a device, a gzip bomb) costs only what is asked.
///
/// A gzip file is accepted only whole: every member's CRC and length are checked by zlib when the
/// member ends, and bytes after the last member that do not start another member are refused.
package final class DataFileStream {
    /// Whether the file is gzip-compressed.
    package private(set) var isCompressed = false
    /// The file's size in bytes when it is a regular file; nil for a device, pipe or socket.
    package let regularFileSize: Int?

    private let fd: Int32
    private static let inputCapacity = 1 << 16
    /// Compressed (or, for a raw file, not yet served) input: `pending` bytes from `pendingStart`.
    private let input = UnsafeMutablePointer<UInt8>.allocate(capacity: DataFileStream.inputCapacity)
    private var pendingStart = 0
    private var pending = 0
    private var fileEnded = false
    /// The inflater (heap-allocated: zlib's state points back at it, so it must not move).
    private var zs: UnsafeMutablePointer<z_stream>?
    /// True once the content has ended (and, for gzip, the last member was checked).
    private var contentEnded = false

    /// Opens `path` and reads its first bytes to tell raw from gzip.
    package init(path: String) throws(DataStreamFailure) {
        // O_NONBLOCK so that opening a FIFO without a writer does not wait for one; reads then block
        // as usual (and such a FIFO reads as empty).
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            input.deallocate()
            throw .cannotOpen(String(cString: strerror(errno)))
        }
        self.fd = fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            regularFileSize = Int(info.st_size)
        } else {
            regularFileSize = nil
        }
        try fill()
        guard pending >= 2, input[0] == 0x1F, input[1] == 0x8B else { return }
        isCompressed = true
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: a gzip wrapper around a deflate stream with the largest window.
        guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw .corrupt("cannot start the inflater")
        }
        zs = stream
    }

    deinit {
        if let zs {
            inflateEnd(zs)
            zs.deallocate()
        }
        input.deallocate()
        close(fd)
    }

    /// Moves the pending input to the front of the buffer and reads more after it, until the buffer
    /// is full or the file ends.
    private func fill() throws(DataStreamFailure) {
        if pendingStart > 0 && pending > 0 { memmove(input, input + pendingStart, pending) }
        pendingStart = 0
        while !fileEnded && pending < DataFileStream.inputCapacity {
            let n = systemRead(fd, input + pending, DataFileStream.inputCapacity - pending)
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(String(cString: strerror(errno)))
            }
            if n == 0 { fileEnded = true } else { pending += n }
        }
    }

    /// Writes up to `capacity` bytes of content at `out`; returns how many, fewer only when the
    /// content has ended.
    private func produce(_ out: UnsafeMutablePointer<UInt8>, capacity: Int) throws(DataStreamFailure) -> Int {
        guard !contentEnded, capacity > 0 else { return 0 }
        guard let zs else {
            var done = 0
            while done < capacity {
                if pending == 0 {
                    if fileEnded { break }
                    try fill()
                    continue
                }
                let n = min(pending, capacity - done)
                (out + done).update(from: input + pendingStart, count: n)
                pendingStart += n
                pending -= n
                done += n
            }
            if done < capacity { contentEnded = true }
            return done
        }
        zs.pointee.next_out = out
        zs.pointee.avail_out = UInt32(clamping: capacity)
        let asked = Int(zs.pointee.avail_out)
        while zs.pointee.avail_out > 0 {
            if pending == 0 && !fileEnded { try fill() }
            zs.pointee.next_in = input + pendingStart
            zs.pointee.avail_in = UInt32(pending)
            let status = inflate(zs, Z_NO_FLUSH)
            let consumed = pending - Int(zs.pointee.avail_in)
            pendingStart += consumed
            pending -= consumed
            switch status {
            case Z_OK: continue
            case Z_STREAM_END:
                // A member ended (its CRC and length checked); another may follow.
                if pending < 2 && !fileEnded { try fill() }
                if pending == 0 {
                    contentEnded = true
                    return asked - Int(zs.pointee.avail_out)
                }
                guard pending >= 2, input[pendingStart] == 0x1F, input[pendingStart + 1] == 0x8B else {
                    throw trailingGarbage()
                }
                inflateReset(zs)
            case Z_BUF_ERROR:
                // No progress: with no input left, the stream ends before its end marker.
                if pending == 0 && fileEnded { throw .truncated }
                if pending > 0 { throw .corrupt("inflate made no progress") }
            default:
                let message = zs.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw .corrupt(message)
            }
        }
        return asked
    }

    /// The error for bytes after the last gzip member: counts them, up to 1 MiB.
    private func trailingGarbage() -> DataStreamFailure {
        let limit = 1 << 20
        var count = pending
        pending = 0
        while count <= limit && !fileEnded {
            do { try fill() } catch { break }
            count += pending
            pending = 0
        }
        return .trailingGarbage(bytes: min(count, limit), more: count > limit)
    }

    /// Appends up to `count` bytes of content to `buffer`; fewer only when the content ends first.
    /// Returns how many were appended. The buffer grows with what arrives, not with `count`.
    @discardableResult
    package func read(_ count: Int, appendingTo buffer: inout [UInt8]) throws(DataStreamFailure) -> Int {
        let chunk = 1 << 16
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        defer { scratch.deallocate() }
        var got = 0
        while got < count && !contentEnded {
            let n = try produce(scratch, capacity: min(count - got, chunk))
            buffer.append(contentsOf: UnsafeBufferPointer(start: scratch, count: n))
            got += n
        }
        return got
    }

    /// Reads and discards the rest of the content, at most `limit` + 1 bytes; returns how many it
    /// read (so `limit` + 1 means "more than `limit`"). Reaching the end checks a gzip file's last
    /// member and that nothing follows it.
    package func skipRest(limit: Int) throws(DataStreamFailure) -> Int {
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { scratch.deallocate() }
        var total = 0
        while total <= limit && !contentEnded {
            total += try produce(scratch, capacity: min(1 << 16, limit + 1 - total))
        }
        return total
    }
}

/// read(2), named apart from `DataFileStream.read`.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// Whether the file at `path` could be created (false when not) and all of `bytes` written
/// gzip-compressed into it.
package func gzipWriteFile(_ bytes: [UInt8], to path: String) -> (created: Bool, written: Bool) {
    guard let file = gzopen(path, "wb") else { return (false, false) }
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    gzclose(file)
    return (true, written == Int32(bytes.count) || bytes.isEmpty)
}
