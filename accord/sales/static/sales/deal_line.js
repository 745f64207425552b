/* A deal's line: choosing a product fills price, VAT rate and description from the price list
   (still editable). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-line-form] select[name=product]")) { return; }
    var form = event.target.form;
    if (!event.target.value) { return; }
    fetch(form.getAttribute("data-price-url") + "?product=" + encodeURIComponent(event.target.value), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        form.elements["unit_price"].value = data.unit_price;
        form.elements["vat_rate"].value = data.vat_rate;
        if (!form.elements["description"].value) { form.elements["description"].value = data.description; }
      });
  });
})();
