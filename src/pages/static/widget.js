// The session widget's script, served by the gateway (the page works
// without it): it advances the timer every second, shows the alert when
// the session's allotted time is about to end, renews the token every
// minute while the session is open, reloads the widget when the session's
// status changes, and sends its height to the embed script.
;(function () {
  'use strict'
  var RENEW_INTERVAL_MS = 60 * 1000
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
  var status = root.getAttribute('data-status')
  function renew() {
    fetch('/widget/state?token=' + encodeURIComponent(token), { cache: 'no-store' })
      .then(function (response) {
        return response.ok ? response.json() : null
      })
      .then(function (state) {
        if (!state) return
        token = state.token
        var field = document.querySelector('input[name="token"]')
        if (field) field.value = token
        if (state.status !== status)
          window.location.replace('/widget/session?token=' + encodeURIComponent(token))
      })
      .catch(function () {
        // The next renewal tries again; the page keeps working meanwhile.
      })
  }
  if (token && status) setInterval(renew, RENEW_INTERVAL_MS)

  reportHeight()
  window.addEventListener('resize', reportHeight)
})()
