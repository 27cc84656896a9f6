/* Form pages, live: an item that applies only under a condition on another item is shown and
   hidden as that item changes, and the reason for change moves beside the item it explains.
   Without this script the server does both each time it draws the page. */
(function () {
  "use strict";
  var form = document.querySelector("form.crf");
  if (!form) { return; }

  function chosen(name) {
    var values = [];
    form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (el) {
      if (el.disabled) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { values.push(el.value); }
      } else if (el.value !== "") {
        values.push(el.value);
      }
    });
    return values;
  }

  // The same rule as the server's (domain.crf.conditions): unknown until the item is chosen.
  function applies(wrap) {
    var values = chosen(wrap.dataset.whenItem);
    if (!values.length) { return false; }
    var codes = wrap.dataset.whenCodes.split(" ");
    var matches = values.some(function (value) { return codes.indexOf(value) >= 0; });
    return wrap.dataset.whenNegated === "yes" ? !matches : matches;
  }

  function showConditional(changed) {
    form.querySelectorAll('[data-when-item="' + CSS.escape(changed) + '"]').forEach(function (wrap) {
      var show = applies(wrap);
      wrap.hidden = !show;
      // A hidden item sends nothing, so a value it held is cleared as the rule requires; it
      // comes back if the item applies again before saving.
      wrap.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !show; });
    });
  }

  function itemName(el) {
    var wrap = el.closest('[id^="wrap-"]');
    return wrap ? wrap.id.slice(5) : null;
  }

  var reason = document.getElementById("reason");
  var wraps = Array.prototype.slice.call(form.querySelectorAll('[id^="wrap-"]'));
  function state(name) { return chosen(name).join("\u0000") + "\u0001" + chosen(name + "_NC").join(""); }
  var before = {};
  wraps.forEach(function (wrap) { before[wrap.id.slice(5)] = state(wrap.id.slice(5)); });

  function placeReason() {
    var changed = wraps.filter(function (wrap) { return state(wrap.id.slice(5)) !== before[wrap.id.slice(5)]; });
    if (!changed.length) { return; }
    var last = changed[changed.length - 1];
    if (last.nextElementSibling !== reason) { last.after(reason); }
    var names = document.getElementById("reason-items");
    names.textContent = "";
    changed.forEach(function (wrap, index) {
      if (index) { names.append("; "); }
      var code = document.createElement("code");
      code.className = "itemname";
      code.textContent = wrap.id.slice(5);
      names.append(wrap.dataset.label + " ", code);
    });
    document.getElementById("reason-explains").hidden = false;
  }

  form.addEventListener("change", function (event) {
    var name = itemName(event.target);
    if (!name) { return; }
    showConditional(event.target.name);
    if (reason) { placeReason(); }
  });
  // Typing places the reason at once. Left to the change event, the box would move only as the
  // field loses focus, which is the moment the pointer goes down on the save button: the button
  // moves away under the pointer and the click is lost.
  form.addEventListener("input", function (event) {
    if (reason && itemName(event.target)) { placeReason(); }
  });
}());
