// Chat page: what a customer waiting in the queue is told. With agents at
// work, about how long the wait is; with nobody to answer (no agent online,
// or outside business hours), that a message left here is answered later.
(function () {
  'use strict';

  var _ = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (s) { return s; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };

  /** Say about how long `seconds` is, in whole minutes: an estimate, not a promise to the second. */
  function waitText(seconds) {
    if (seconds < 60) return _('Estimated wait: under a minute');
    var minutes = Math.round(seconds / 60);
    return fmt(ngettext('Estimated wait: about %(minutes)s minute', 'Estimated wait: about %(minutes)s minutes', minutes),
               { minutes: minutes }, true);
  }

  /**
   * Follow the status frames; `onAway(text)` shows the away notice in the
   * status line, `waitLine` shows the estimate.
   */
  window.CsbotWaiting = function (waitLine, onAway) {
    var current = null;  // {conv, position}: what the last question was about
    var away = null;     // {conv, text}

    function ask(conv, position) {
      var asked = current = { conv: conv, position: position };
      fetch('/api/chat/availability' + (position ? '?position=' + position : ''))
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (a) {
          if (!a || asked !== current) return;  // the queue moved on meanwhile
          if (!(a.open_now && a.agents_online > 0)) {
            var later = _('Leave your message here: an agent will answer it, and you will see the answer when you come back.');
            var why = a.open_now ? _('No agent is online right now.')
              : fmt(_('Our agents work %(hours)s.'), { hours: a.hours }, true);
            // One pattern, so each language joins the two sentences its own way.
            away = { conv: conv, text: fmt(_('%(why)s %(then)s'), { why: why, then: later }, true) };
            waitLine.hidden = true;
            onAway(away.text);
            return;
          }
          away = null;
          var seconds = a.estimated_wait_s;
          waitLine.hidden = typeof seconds !== 'number';
          waitLine.textContent = waitLine.hidden ? '' : waitText(seconds);
        }, function () {});
    }

    return {
      /** Take a status frame; ask again whenever the conversation or its place in line changes. */
      status: function (s) {
        if (s.status !== 'queued') {
          current = null;
          waitLine.hidden = true;
          return;
        }
        var position = s.queue_position || null;
        if (!current || current.conv !== s.conversation_id || current.position !== position) ask(s.conversation_id, position);
      },
      /** The away notice for a conversation, if one was found for it. */
      awayText: function (conv) {
        return away && away.conv === conv ? away.text : null;
      },
    };
  };
})();
