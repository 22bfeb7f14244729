// A <select data-autosubmit> submits its form when changed (was an inline onchange: the CSP allows no inline script).
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]") && event.target.form) {
    event.target.form.submit();
  }
});
