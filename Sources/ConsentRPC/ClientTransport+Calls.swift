import ConsentProto
import Dispatch
import Synchronization

/// Typed calls on any `ClientTransport`: the TLS client (`ConsentClient`)
/// and the in-process one of the tests offer the same API.
extension ClientTransport {
    /// Decodes a unary call's result.
    @inline(__always)
    static func decode<Res: ProtoMessage>(_ result: CallResult, as: Res.Type) -> Result<Res, RPCError> {
        if let error = result.error { return .failure(error) }
        do {
            return .success(try Res(serializedBytes: result.payload))
        } catch {
            return .failure(RPCError(.internalError, "the server's answer is not a valid \(Res.self)", cause: error))
        }
    }

    /// The cheapest way to make a call: `completion` runs on the transport's
    /// thread (for `ConsentClient`, its event loop: keep it short; starting
    /// the next call from it is ideal).
    @discardableResult
    public func startUnary<Req, Res>(
        _ method: ProtoMethod<Req, Res>, _ request: Req, options: CallOptions = CallOptions(),
        completion: @escaping @Sendable (Result<Res, RPCError>) -> Void
    ) -> any ClientCallHandle {
        startCall(
            method: method.fullName, payload: request.serializedBytes(), options: options,
            onMessage: { _ in }, onFinish: { completion(Self.decode($0, as: Res.self)) })
    }

    /// A unary call. Cancelling the task cancels the call.
    public func unary<Req, Res>(
        _ method: ProtoMethod<Req, Res>, _ request: Req, options: CallOptions = CallOptions()
    ) async throws(RPCError) -> Res {
        let handle = Mutex<(any ClientCallHandle)?>(nil)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Res, RPCError>, Never>) in
                let h = startUnary(method, request, options: options) { continuation.resume(returning: $0) }
                handle.withLock { $0 = h }
                // Cancelled before the handle was stored: onCancel found none.
                // (Cancelling twice, or a finished call, is harmless.)
                if Task.isCancelled { h.cancel() }
            }
        } onCancel: {
            handle.withLock { $0 }?.cancel()
        }
        return try result.get()
    }

    /// A unary call that blocks the calling thread (not for async code, nor
    /// for the thread the transport answers on).
    public func unaryBlocking<Req, Res>(
        _ method: ProtoMethod<Req, Res>, _ request: Req, options: CallOptions = CallOptions()
    ) throws(RPCError) -> Res {
        let box = Mutex<Result<Res, RPCError>?>(nil)
        let semaphore = DispatchSemaphore(value: 0)
        startUnary(method, request, options: options) { r in
            box.withLock { $0 = r }
            semaphore.signal()
        }
        semaphore.wait()
        return try box.withLock { $0! }.get()
    }

    /// A server-streaming call as a sequence: its messages in order, then the
    /// end (an error unless the final status is OK). Ending the iteration
    /// early cancels the call.
    public func serverStream<Req, Res>(
        _ method: ProtoMethod<Req, Res>, _ request: Req, options: CallOptions = CallOptions()
    ) -> AsyncThrowingStream<Res, any Error> {
        AsyncThrowingStream { continuation in
            let handle = startCall(
                method: method.fullName, payload: request.serializedBytes(), options: options,
                onMessage: { bytes in
                    do {
                        continuation.yield(try Res(serializedBytes: bytes))
                    } catch {
                        continuation.finish(throwing: RPCError(.internalError, "the server sent an invalid \(Res.self)", cause: error))
                    }
                },
                onFinish: { result in
                    if let error = result.error {
                        continuation.finish(throwing: error)
                    } else {
                        continuation.finish()
                    }
                })
            continuation.onTermination = { termination in
                if case .cancelled = termination { handle.cancel() }
            }
        }
    }

    /// A server-streaming call with callbacks on the transport's thread.
    @discardableResult
    public func serverStream<Req, Res>(
        _ method: ProtoMethod<Req, Res>, _ request: Req, options: CallOptions = CallOptions(),
        onMessage: @escaping @Sendable (Res) -> Void,
        completion: @escaping @Sendable (Result<Void, RPCError>) -> Void
    ) -> any ClientCallHandle {
        startCall(
            method: method.fullName, payload: request.serializedBytes(), options: options,
            onMessage: { bytes in
                if let message = try? Res(serializedBytes: bytes) { onMessage(message) }
            },
            onFinish: { result in
                if let error = result.error { completion(.failure(error)) } else { completion(.success(())) }
            })
    }
}
