// The transcript's "Print" link: a handler bound here, since the admin's policy refuses inline ones.
document.addEventListener('click', function (event) {
  var link = event.target.closest && event.target.closest('a[data-print]');
  if (!link) return;
  event.preventDefault();
  window.print();
});
