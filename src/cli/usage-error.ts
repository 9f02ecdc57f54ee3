/** Raised for a wrong command line; the CLI prints it without a stack trace and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
