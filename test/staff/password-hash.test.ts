import t from 'tap'
import {
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from '../../src/staff/password-hash.ts'

t.test('scrypt hashes in PHC form', async (t) => {
  const hash = await hashPassword('correcto caballo batería grapa')
  t.match(hash, /^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
  t.not(await hashPassword('correcto caballo batería grapa'), hash, 'a new salt each time')
  t.equal(await verifyPassword('correcto caballo batería grapa', hash), true)
  t.equal(await verifyPassword('correcto caballo batería grapA', hash), false)
  t.equal(await verifyPassword('', hash), false)
  t.equal(needsRehash(hash), false)
})

t.test('composed and decomposed accents are the same password', async (t) => {
  const composed = 'contrase\u00f1a del año'
  const decomposed = 'contrasen\u0303a del an\u0303o'
  t.equal(await verifyPassword(decomposed, await hashPassword(composed)), true)
})

t.test('malformed or weaker hashes', async (t) => {
  for (const stored of [
    '',
    'plaintext',
    '$scrypt$ln=17,r=8,p=1$abc',
    '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
  ])
    t.equal(await verifyPassword('anything at all', stored), false, JSON.stringify(stored))
  t.equal(needsRehash('$scrypt$ln=14,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'), true)
  t.equal(needsRehash('garbage'), true)
})

t.test('password length', async (t) => {
  t.match(passwordProblem('short'), /has 5 characters; use at least 12/)
  t.equal(passwordProblem('doce letras!'), null)
  t.equal(passwordProblem('ñ'.repeat(12)), null, 'counted in characters, not bytes')
  t.match(passwordProblem('x'.repeat(257)), /use at most 256/)
})
