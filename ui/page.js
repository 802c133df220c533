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

  var seen = {};
  var labelled = /<[a-z/][^>]*>/i;
  function plain(html) {
    var d = document.createElement('div');
    d.innerHTML = html;
    return (d.textContent || '').replace(/\s+/g, ' ').trim();
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
