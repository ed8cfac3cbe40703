/*
 * What Oscar's templates wrote as inline event handlers (onclick="window.print()",
 * onload=, onerror=). The Content-Security-Policy runs no inline handler, so the
 * templates that override them (templates/oscar/...) mark the element instead:
 * data-page-action="back" | "print" | "close", and data-image-input-preview on a
 * dashboard image field's preview.
 */
(function () {
    "use strict";

    var actions = {
        back: function () { window.history.back(); },
        print: function () { window.print(); },
        close: function () { window.close(); }
    };

    document.addEventListener("click", function (event) {
        var element = event.target.closest && event.target.closest("[data-page-action]");
        var action = element && actions[element.getAttribute("data-page-action")];
        if (action) {
            event.preventDefault();
            action();
        }
    });

    // A dashboard image field previews the chosen file: once the preview shows, the upload
    // button goes; if the browser cannot show it, the button comes back with a warning.
    // load and error do not bubble, so they are caught on their way down.
    function uploadButton(preview) {
        var field = preview.closest(".image-input");
        return field && field.querySelector("[id^='upload_button_']");
    }

    function isPreview(element) {
        return element && element.matches && element.matches("img[data-image-input-preview]");
    }

    document.addEventListener("load", function (event) {
        if (!isPreview(event.target)) { return; }
        var button = uploadButton(event.target);
        if (button) { button.style.display = "none"; }
    }, true);

    document.addEventListener("error", function (event) {
        if (!isPreview(event.target)) { return; }
        var button = uploadButton(event.target);
        if (button) { button.style.display = ""; }
        window.alert(event.target.getAttribute("data-unrecognised-message"));
    }, true);
})();
