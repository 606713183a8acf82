// Chat page: pictures. A stored picture shows as its thumbnail, which opens
// the full picture; one the customer picks or pastes is uploaded by the SDK
// and sent with whatever is in the box.
(function () {
  'use strict';

  var _ = window.gettext || function (s) { return s; };

  /** Put a message in its bubble: words as text, a picture as its thumbnail linking to the full picture. */
  function fillBubble(bubble, m) {
    bubble.textContent = m.text || '';
    if (!m.media || !m.media.thumb_url) return;
    var link = document.createElement('a');
    link.className = 'picture';
    link.href = m.media.url;
    link.target = '_blank';
    link.rel = 'noopener';
    var img = document.createElement('img');
    img.src = m.media.thumb_url;
    img.alt = _('Picture');
    link.appendChild(img);
    if (m.text) bubble.appendChild(document.createElement('br'));
    bubble.appendChild(link);
  }

  function refusal(code) {
    if (code === 'too_large') return _('The picture is too large');
    if (code === 'unsupported_type') return _('Only JPEG, PNG, WebP and GIF pictures can be sent');
    if (code === 'rejected') return _('This picture cannot be sent');
    return _('The picture could not be sent; try again');
  }

  /**
   * Send what the customer picks with `picker` (a file input) or pastes into
   * `input`; `page.sent()` after it went, `page.note(text)` when it was refused.
   */
  function attach(client, input, picker, page) {
    function send(file) {
      if (!file || client.state === 'stopped') return;
      var refused = null;
      var off = client.on('error', function (e) { refused = e.code; });
      client.sendImage(file, input.value.trim()).then(function (item) {
        off();
        if (item) page.sent();
        else page.note(refusal(refused));
      });
    }

    picker.addEventListener('change', function () {
      var file = picker.files[0];
      picker.value = '';
      send(file);
    });

    input.addEventListener('paste', function (ev) {
      var files = (ev.clipboardData && ev.clipboardData.files) || [];
      if (files.length && /^image\//.test(files[0].type)) {
        ev.preventDefault();
        send(files[0]);
      }
    });
  }

  window.CsbotPictures = { fillBubble: fillBubble, attach: attach };
})();
