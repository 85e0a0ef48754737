/** An error in how concur was called (bad flag value, unknown rule): exit status 2, no stack. */
export class UsageError extends Error {}
