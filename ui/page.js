// Footnote's page behaviour (plain JS, loaded in <head>).
(function () {
  function scroller(el) {  // the nearest ancestor of el that scrolls vertically
    for (var p = el.parentElement; p; p = p.parentElement) {
      var s = getComputedStyle(p);
      if ((s.overflowY === 'auto' || s.overflowY === 'scroll') && p.scrollHeight > p.clientHeight) return p;
    }
    return null;
  }
  // Bring el's top into view: first inside the chat's own scroll box, then in the window.
  function showTop(el, where) {
    var box = scroller(el);
    if (box) {
      var off = el.getBoundingClientRect().top - box.getBoundingClientRect().top;
      var target = where === 'center' ? off - (box.clientHeight - Math.min(el.offsetHeight, box.clientHeight)) / 2 : off - 8;
      box.scrollTop += target;
    }
    var r = el.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight - 80) window.scrollBy(0, r.top - 8);
  }
  window.fnShowTop = showTop;

  // Clicking [n] scrolls to passage n of that answer and flashes it.
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('a.fn-ref');
    if (!a) return;
    ev.preventDefault(); ev.stopPropagation();
    var id = a.getAttribute('data-fn-target') || (a.getAttribute('href') || '').slice(1);
    var el = document.getElementById(id);
    if (!el) return;
    showTop(el, 'center');
    el.classList.add('fn-flash');
    setTimeout(function () { el.classList.remove('fn-flash'); }, 1600);
  }, true);

  // A date picker holding text that is not a date keeps its last good value and turns red;
  // asking then would silently drop the filter. Say so under the chat instead, and keep the
  // question and the chat as they are (the server checks dates again: the API, typed "now").
  var DATES = [['fn-asof', 'As of'], ['fn-from', 'From'], ['fn-to', 'To']];
  function badDate() {
    for (var i = 0; i < DATES.length; i++) {
      var input = document.querySelector('#' + DATES[i][0] + ' input');
      if (input && input.classList.contains('invalid') && input.value.trim())
        return DATES[i][1] + ': "' + input.value.trim() + '" is not a date; pick one or type it like 2024-10-10.';
    }
    return '';
  }
  function sayInline(text) {
    var box = document.querySelector('#fn-inline-box');
    if (!box) return;
    var note = box.querySelector('.fn-local') || document.createElement('div');
    note.className = 'fn-inline fn-local'; note.setAttribute('role', 'alert'); note.textContent = text;
    (box.querySelector('.prose, div') || box).appendChild(note);
  }
  function guard(ev) {
    var asking = ev.type === 'click' ? ev.target.closest && ev.target.closest('#fn-ask')
      : ev.key === 'Enter' && !ev.shiftKey && ev.target.closest && ev.target.closest('#fn-question');
    if (!asking) return;
    var why = badDate();
    var stale = document.querySelector('#fn-inline-box .fn-local');
    if (!why) { if (stale) stale.remove(); return; }
    ev.preventDefault(); ev.stopImmediatePropagation();
    sayInline(why);
  }
  document.addEventListener('click', guard, true);
  document.addEventListener('keydown', guard, true);

  var seen = {};
  var labelled = /<[a-z/][^>]*>/i;
  function plain(html) {  // an inert document: nothing in it loads or runs (article text is data)
    var doc = new DOMParser().parseFromString(html, 'text/html');
    return ((doc.body && doc.body.textContent) || '').replace(/\s+/g, ' ').trim();
  }
  function tidy(root) {
    // screen readers read the message, not its markup
    root.querySelectorAll && root.querySelectorAll('#fn-chat [aria-label]').forEach(function (n) {
      var l = n.getAttribute('aria-label');
      if (l && labelled.test(l)) n.setAttribute('aria-label', plain(l).slice(0, 300));
    });
    // a new finished answer: show its top (once per answer)
    var msgs = document.querySelectorAll('#fn-chat .fn-msg[id^="fn-msg-"]');
    if (!msgs.length) return;
    var last = msgs[msgs.length - 1], turn = last.id;
    if (!seen[turn]) {
      seen[turn] = true;
      var bubble = last.closest('.message-row, .message') || last;
      requestAnimationFrame(function () { showTop(bubble); });
    }
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; tidy(document); });
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label']});
})();
