import t from 'tap'
import { startGatewayProcess } from '../helpers/gateway-process.ts'

t.test('serve exits 2 listing every problem', async (t) => {
  const gateway = startGatewayProcess(['serve'], {
    NODE_ENV: 'production',
    PORT: 'eighty',
    SENCE_SIMULATOR: 'on',
    ENCRYPTION_KEYS: 'k1:not-a-key',
  })
  t.teardown(() => gateway.child.kill('SIGKILL'))
  t.equal(await gateway.exited, 2)
  const output = gateway.stderr()
  t.match(output, /invalid configuration \(5 settings\)/)
  t.match(output, /- PORT: expected a whole number \(got "eighty"\)/)
  t.match(output, /- ENCRYPTION_KEYS: key "k1" must be 32 bytes/)
  t.match(output, /- DATABASE_URL: missing; NODE_ENV=production/)
  t.match(output, /- SENCE_SIMULATOR: must be off/)
  t.match(output, /- PUBLIC_BASE_URL: missing/)
  t.notMatch(output, /not-a-key/, 'the key is not echoed')
  t.equal(gateway.stdout(), '', 'nothing was started')
})

t.test('migrate checks settings too', async (t) => {
  const gateway = startGatewayProcess(['migrate'], { DATABASE_URL: 'mysql://db/x' })
  t.teardown(() => gateway.child.kill('SIGKILL'))
  t.equal(await gateway.exited, 2)
  t.match(gateway.stderr(), /DATABASE_URL: expected a postgresql:\/\/ connection string/)
})
