import Foundation

/// `write(2)` of `bytes` to the open file `fd` in one call, repeated only when a signal interrupts
/// it: the number of bytes written (fewer than `bytes.count` when the disk fills up), or −1 with
/// `errno` set.
public func writeBytes(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int {
    var n = -1
    repeat {
        n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    } while n < 0 && errno == EINTR
    return n
}
