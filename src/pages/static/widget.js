// The session widget's script, served by the gateway (the page works
// without it): it advances the timer every second, shows the alert when
// the session's allotted time is about to end, renews the token while the
// session is open, reloads the widget when the session's status changes,
// and sends its height to the embed script.
;(function () {
  'use strict'
  // Renewals come at a third of the token's remaining life, so that a
  // failed one is retried well before the token expires, and at least every
  // minute, so that a change of status shows within a minute.
  var RENEW_MAX_INTERVAL_MS = 60 * 1000
  var RENEW_MIN_INTERVAL_MS = 5 * 1000
  var root = document.querySelector('[data-widget]')
  if (!root) return

  var clockOffsetMs = Date.parse(root.getAttribute('data-server-now')) - Date.now()
  if (isNaN(clockOffsetMs)) clockOffsetMs = 0
  var now = function () {
    return Date.now() + clockOffsetMs
  }

  function reportHeight() {
    if (window.parent === window) return
    // Only a height: nothing secret, so any embedding page may read it.
    window.parent.postMessage(
      { type: 'sence-gateway:widget-height', height: document.documentElement.scrollHeight },
      '*',
    )
  }

  var startedAt = Date.parse(root.getAttribute('data-started-at') || '')
  var alertAt = Date.parse(root.getAttribute('data-alert-at') || '')
  var endsAt = Date.parse(root.getAttribute('data-ends-at') || '')
  var clock = document.getElementById('elapsed')
  var alertBox = document.getElementById('session-alert')
  var shownAlert = alertBox ? alertBox.textContent.trim() : ''

  function pad(value) {
    return value < 10 ? '0' + value : String(value)
  }

  function tick() {
    var seconds = Math.max(0, Math.floor((now() - startedAt) / 1000))
    clock.textContent =
      Math.floor(seconds / 3600) +
      ':' +
      pad(Math.floor((seconds % 3600) / 60)) +
      ':' +
      pad(seconds % 60)
    var text = ''
    if (now() >= endsAt) text = root.getAttribute('data-ended-text')
    else if (now() >= alertAt) text = root.getAttribute('data-alert-text')
    if (alertBox && text && text !== shownAlert) {
      shownAlert = text
      var paragraph = document.createElement('p')
      paragraph.textContent = text
      alertBox.replaceChildren(paragraph)
      alertBox.classList.add('alert-shown')
      reportHeight()
    }
  }

  if (clock && !isNaN(startedAt)) {
    tick()
    setInterval(tick, 1000)
  }

  var token = root.getAttribute('data-token')
  var tokenExpiresAt = Date.parse(root.getAttribute('data-token-expires-at') || '')
  var status = root.getAttribute('data-status')
  var renewalTimer = null
  // The page has just been served with a fresh token.
  var lastRenewalAt = Date.now()
  var renewing = false
  // Set once the gateway rejects the token for good (404, 410): the logout
  // button's page then explains what to do, so polling again is pointless.
  var stopped = false

  function scheduleRenewal() {
    var delay = RENEW_MAX_INTERVAL_MS
    if (!isNaN(tokenExpiresAt)) delay = Math.min(delay, (tokenExpiresAt - now()) / 3)
    clearTimeout(renewalTimer)
    renewalTimer = setTimeout(renew, Math.max(RENEW_MIN_INTERVAL_MS, delay))
  }

  function renew() {
    if (renewing || stopped) return
    renewing = true
    lastRenewalAt = Date.now()
    fetch('/widget/state?token=' + encodeURIComponent(token), { cache: 'no-store' })
      .then(function (response) {
        if (response.status === 404 || response.status === 410) stopped = true
        return response.ok ? response.json() : null
      })
      .then(function (state) {
        if (!state) return
        token = state.token
        tokenExpiresAt = Date.parse(state.expiresAt)
        var field = document.querySelector('input[name="token"]')
        if (field) field.value = token
        if (state.status !== status)
          window.location.replace('/widget/session?token=' + encodeURIComponent(token))
      })
      .catch(function () {
        // The next renewal tries again; the page keeps working meanwhile.
      })
      .then(function () {
        renewing = false
        if (!stopped) scheduleRenewal()
      })
  }

  // Browsers slow down or stop timers in hidden tabs, so a student who comes
  // back to the course page gets a renewal right away.
  function renewIfStale() {
    if (document.visibilityState === 'hidden') return
    if (Date.now() - lastRenewalAt >= RENEW_MIN_INTERVAL_MS) renew()
  }

  if (token && status) {
    scheduleRenewal()
    document.addEventListener('visibilitychange', renewIfStale)
    window.addEventListener('focus', renewIfStale)
    window.addEventListener('pageshow', renewIfStale)
  }

  reportHeight()
  window.addEventListener('resize', reportHeight)
})()
