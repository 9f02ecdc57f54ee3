import type { Settings } from '../config/settings.ts'
import type { Logger } from '../logging/logger.ts'
import type { Database } from '../persistence/database.ts'
import type { SecretBox } from '../security/secret-box.ts'

/** What the HTTP routes use: built once at start-up by the serve command or a test. */
export interface GatewayServices {
  settings: Settings
  db: Database
  secrets: SecretBox
  logger: Logger
  /** The embedded mode's demo OTEC, which the /demo pages act for. */
  demoOtecId?: string | undefined
}
