// Clicking [n] opens passage n of that answer and scrolls it into view.
document.addEventListener('click', function (ev) {
  var a = ev.target.closest && ev.target.closest('a.fn-ref');
  if (!a) return;
  ev.preventDefault(); ev.stopPropagation();
  var id = a.getAttribute('data-fn-target') || (a.getAttribute('href') || '').slice(1);
  var el = document.getElementById(id);
  if (!el) return;
  el.open = true;
  el.scrollIntoView({behavior: 'smooth', block: 'center'});
  el.classList.add('fn-flash');
  setTimeout(function () { el.classList.remove('fn-flash'); }, 1500);
}, true);
