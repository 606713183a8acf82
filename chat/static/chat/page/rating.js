// Chat page: the rating card offered when a conversation closes: stars, a
// comment, then send or skip. A conversation rated or skipped is not offered again.
(function () {
  'use strict';

  var _ = window.gettext || function (s) { return s; };

  /** `parts`: {card, stars, submit, skip, comment}; `note(text)` thanks the customer in the chat. */
  window.CsbotRating = function (client, parts, note) {
    var score = 0;
    var answered = null;  // the conversation last rated or skipped

    function setScore(n) {
      score = n;
      var buttons = parts.stars.querySelectorAll('button');
      for (var i = 0; i < buttons.length; i++) {
        var on = Number(buttons[i].getAttribute('data-score')) <= n;
        buttons[i].classList.toggle('on', on);
        buttons[i].setAttribute('aria-checked', String(Number(buttons[i].getAttribute('data-score')) === n));
      }
      parts.submit.disabled = n < 1;
    }

    function offer(conversationId) {
      if (answered === conversationId) return;
      parts.card.hidden = false;
      parts.card.setAttribute('data-conversation', conversationId);
      setScore(0);
    }

    parts.stars.addEventListener('click', function (ev) {
      var picked = ev.target && ev.target.getAttribute('data-score');
      if (picked) setScore(Number(picked));
    });

    parts.submit.addEventListener('click', function () {
      var conv = parts.card.getAttribute('data-conversation');
      parts.submit.disabled = true;
      client.rate(score, parts.comment.value.trim(), conv).then(function () {
        answered = conv;
        parts.card.hidden = true;
        note(_('Thanks for your rating'));
      }, function () {
        parts.submit.disabled = false;
      });
    });

    parts.skip.addEventListener('click', function () {
      answered = parts.card.getAttribute('data-conversation');
      parts.card.hidden = true;
    });

    return { offer: offer };
  };
})();
