/**
 * Where time comes from for everything that keeps time windows: rate-limit windows, circuit
 * breakers, budget periods, leader leases. Production reads the system clock; tests pass a
 * clock they move by hand (`RuntimeOptions.clock`), so a window never closes or a breaker
 * never half-opens because the machine happened to be slow.
 * @module
 */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()
