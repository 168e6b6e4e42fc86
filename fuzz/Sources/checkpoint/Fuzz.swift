import Causeway
import Foundation

/// libFuzzer's entry point: one input for `ReaderEntryPoints.checkpoint`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    ReaderEntryPoints.checkpoint(data)
    return 0
}
