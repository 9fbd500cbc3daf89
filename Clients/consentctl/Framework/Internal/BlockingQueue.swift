import Dispatch
import Synchronization

/// An unbounded FIFO that one thread pops from, blocking while it is empty;
/// any thread (an event loop's callbacks) pushes.
final class BlockingQueue<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    /// Counts the items; `pop` waits on it.
    private let available = DispatchSemaphore(value: 0)

    func push(_ element: Element) {
        items.withLock { $0.append(element) }
        available.signal()
    }

    func pop() -> Element {
        available.wait()
        return items.withLock { $0.removeFirst() }
    }
}
