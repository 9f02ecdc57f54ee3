// The settings page's SENCE Token field is an <input type="password">
// with autocomplete="off", after a text field (the OTEC's name). Browser
// password managers ignore autocomplete="off" on password fields, and may
// fill such a field with the password they saved for this site, which is
// the staff member's dashboard password. (A Symphony CMS change to
// autocomplete="new-password", symphonycms/symphonycms pull request 2258,
// records Chrome doing this to a configuration form.) The page then
// submits that password as the new Token when staff save any other
// setting, and SENCE rejects every student's login and logout of the OTEC
// with "El Token no pertenece al OTEC" or "no existe". The HTML standard's
// autofill token for a value that must not be filled from saved
// passwords is "new-password".
//
// NOTE: the autofill itself is not reproduced here, because the tests'
// headless chromium has no saved passwords. The test checks the attribute.

import { parse } from 'node-html-parser'
import t from 'tap'
import { createStaff, signedInClient } from '../helpers/admin.ts'
import { startTestGateway } from '../helpers/gateway.ts'

t.test('Token field and saved passwords', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)

  const page = await client.get('/admin/settings')
  const field = parse(page.body).querySelector('input[name="senceToken"]')
  t.ok(field, 'the settings page has the Token field')
  t.equal(field?.getAttribute('value'), '', 'the field is empty')
  t.equal(
    field?.getAttribute('autocomplete'),
    'new-password',
    'the browser does not fill the Token field with a saved password',
  )
})
