// Ask before a consequential action, without inline handlers (the Content-Security-Policy forbids them):
// a form with data-confirm asks before it is submitted, a button with data-confirm before its form is.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const button = event.submitter;
  const message = (button && button.dataset.confirm) || form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
