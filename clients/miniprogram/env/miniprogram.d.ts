// The mini-program runtime's timer (the base library provides it; node's types provide it in the tests).
declare function setTimeout(callback: () => void, ms?: number): number;
