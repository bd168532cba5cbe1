// Back office (§F1): with JavaScript, a free slot or "Add a booking" opens the prefilled form in
// a <dialog> over the calendar instead of a new page. Without JavaScript the links open the same
// form as a page; nothing here is needed for the booking to work.
(function () {
  "use strict";
  var dialog = document.getElementById("booking-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  function open(event) {
    var link = event.target.closest("a.free-slot, a#add-booking");
    if (!link) return;
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var form = page.querySelector("main form");
        var title = page.querySelector("main h1");
        if (!form) { window.location.href = link.href; return; }
        var body = dialog.querySelector(".dialog-body");
        body.replaceChildren();
        if (title) body.appendChild(document.importNode(title, true));
        body.appendChild(document.importNode(form, true));
        dialog.showModal();
      })
      .catch(function () { window.location.href = link.href; });
  }
  document.addEventListener("click", open);
  dialog.querySelector(".dialog-close").addEventListener("click", function () { dialog.close(); });
})();
