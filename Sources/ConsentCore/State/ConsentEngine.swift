/// A state with its clock and random source: decides and applies in one step.
///
/// For tests, simulations and a server that applies before it appends. A
/// server that appends first calls ``ConsentState/decide(_:by:at:using:)``,
/// appends the events, then ``ConsentState/apply(_:)``.
public struct ConsentEngine<C: WallClock, R: RandomNumberGenerator> {
    /// The state.
    public private(set) var state: ConsentState
    /// The clock every decision is made at.
    public var clock: C
    /// The source of request ids.
    public var random: R

    /// Creates an engine.
    public init(state: ConsentState = ConsentState(), clock: C, random: R) {
        self.state = state
        self.clock = clock
        self.random = random
    }

    /// Decides a command at the clock's time and applies its events.
    /// - Returns: the decision, with the events as applied (their sequence numbers final).
    /// - Throws: the refusal when nothing is recorded; a refusal that is
    ///   recorded (code reuse) is returned in the decision's result instead.
    @discardableResult
    public mutating func execute(_ command: Command, by actor: Actor) throws(DomainError) -> Decision {
        let decision = try state.decide(command, by: actor, at: clock.now(), using: &random)
        for event in decision.events { state.apply(event) }
        return decision
    }

    /// Decides and applies a command, then returns its result or throws its refusal
    /// (after recording any events, such as a code reuse attempt).
    @discardableResult
    public mutating func perform(_ command: Command, by actor: Actor) throws(DomainError) -> CommandResult {
        try execute(command, by: actor).get()
    }

    /// Applies events from elsewhere (a log being replayed).
    public mutating func apply(_ events: some Sequence<Event>) {
        state.apply(events)
    }
}

extension ConsentEngine: Sendable where C: Sendable, R: Sendable {}
