import t from 'tap'
import { createSecretBox, generateEncryptionKey } from '../../src/security/secret-box.ts'

const OLD = 'old:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
const NEW = generateEncryptionKey('new')

t.test('seal and open', async (t) => {
  const box = createSecretBox(OLD)
  const sealed = box.seal('mi-token-secreto')
  t.match(sealed, /^v1:old:[A-Za-z0-9_-]+$/)
  t.notMatch(sealed, 'mi-token')
  t.not(box.seal('mi-token-secreto'), sealed, 'a fresh nonce each time')
  t.equal(box.open(sealed), 'mi-token-secreto')
  t.equal(box.keyIdOf(sealed), 'old')
})

t.test('rotation: first key seals, all open', async (t) => {
  const sealedWithOld = createSecretBox(OLD).seal('valor')
  const rotated = createSecretBox(`${NEW},${OLD}`)
  t.equal(rotated.currentKeyId, 'new')
  t.equal(rotated.open(sealedWithOld), 'valor')
  t.equal(rotated.keyIdOf(rotated.seal('valor')), 'new')
  t.throws(
    () => createSecretBox(NEW).open(sealedWithOld),
    /encryption key "old", which is not in ENCRYPTION_KEYS/,
  )
})

t.test('tampering is detected', async (t) => {
  const box = createSecretBox(OLD)
  const sealed = box.seal('valor')
  const payload = sealed.split(':')[2] as string
  const flipped = Buffer.from(payload, 'base64url')
  flipped[flipped.length - 1] = (flipped.at(-1) as number) ^ 1
  t.throws(() => box.open(`v1:old:${flipped.toString('base64url')}`))
  // The key id is authenticated: the same bytes under another id of the same key fail.
  const twin = createSecretBox(`${OLD},${OLD.replace('old:', 'twin:')}`)
  t.throws(() => twin.open(`v1:twin:${payload}`))
  t.throws(() => box.open('v1:old:AAAA'), /truncated/)
  t.throws(() => box.open('not sealed'), /v1:keyId:payload/)
})

t.test('invalid ENCRYPTION_KEYS', async (t) => {
  t.throws(() => createSecretBox(''), /entry 1 must look like keyId:base64key/)
  t.throws(() => createSecretBox('k1:c2hvcnQ='), /must be 32 bytes in base64 \(got 5 bytes\)/)
  t.throws(() => createSecretBox(`${OLD},${OLD}`), /appears twice/)
})
