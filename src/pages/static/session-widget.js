// The embed script of the sence-gateway session widget. On the LMS's course page:
//
//   <script src="https://GATEWAY/assets/session-widget.js" data-token="wt_..." async></script>
//
// It puts the widget's iframe right after itself and sizes it to the
// widget's height. data-title sets the iframe's accessible name.
;(function () {
  'use strict'
  var script = document.currentScript
  if (!script) return
  var token = script.getAttribute('data-token')
  if (!token) {
    console.error(
      'sence-gateway widget: the script tag needs data-token, from POST /v1/sessions/{id}/widget-token',
    )
    return
  }
  var origin = new URL(script.src).origin
  var frame = document.createElement('iframe')
  frame.src = origin + '/widget/session?token=' + encodeURIComponent(token)
  frame.title = script.getAttribute('data-title') || 'Tu sesión SENCE'
  // Set through the style object, which a strict CSP on the LMS's page allows, unlike a style attribute.
  frame.style.display = 'block'
  frame.style.width = '100%'
  frame.style.maxWidth = '36rem'
  frame.style.height = '16rem'
  frame.style.border = '0'
  script.parentNode.insertBefore(frame, script.nextSibling)

  window.addEventListener('message', function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return
    var data = event.data
    if (data && data.type === 'sence-gateway:widget-height' && typeof data.height === 'number')
      frame.style.height = Math.ceil(data.height) + 'px'
  })
})()
