// The scanner page: keep the input focused for a keyboard-wedge scanner, clear it after each scan,
// and play a short sound (and buzz, where the handheld can) for a found or an unknown code.
(function () {
  "use strict";

  var audio = null;

  function tone(frequency, start, length, wave) {
    var oscillator = audio.createOscillator();
    var gain = audio.createGain();
    var at = audio.currentTime + start;
    oscillator.type = wave;
    oscillator.frequency.setValueAtTime(frequency, at);
    gain.gain.setValueAtTime(0.25, at);
    gain.gain.exponentialRampToValueAtTime(0.001, at + length);
    oscillator.connect(gain);
    gain.connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + length);
  }

  function signal(ok) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (Context) {
      audio = audio || new Context();
      if (ok) {
        tone(1046, 0, 0.08, "sine");      // two quick rising notes
        tone(1568, 0.09, 0.12, "sine");
      } else {
        tone(196, 0, 0.22, "square");     // one long low buzz, twice
        tone(147, 0.26, 0.3, "square");
      }
    }
    if (navigator.vibrate) {
      navigator.vibrate(ok ? 40 : [150, 80, 150]);
    }
  }

  function ready() {
    var input = document.getElementById("scan-code");
    var toggle = document.getElementById("scan-keyboard");
    var result = document.getElementById("scan-result");
    if (!input || !result) {
      return;
    }

    function refocus() {
      input.focus({ preventScroll: true });
    }

    toggle.addEventListener("click", function () {
      var typing = input.getAttribute("inputmode") === "none";
      input.setAttribute("inputmode", typing ? "text" : "none");
      toggle.setAttribute("aria-pressed", typing ? "true" : "false");
      input.blur();
      refocus();
    });

    result.addEventListener("htmx:afterSwap", function () {
      var card = result.querySelector("[data-scan-state]");
      signal(card !== null && card.getAttribute("data-scan-state") === "ok");
      input.value = "";
      refocus();
    });

    document.body.addEventListener("htmx:sendError", function () {
      result.innerHTML = '<div class="scan-card scan-error" data-scan-state="error" role="alert">' +
        '<p class="scan-kind">No connection</p><p class="scan-sub">Could not reach the hub. Scan again.</p></div>';
      signal(false);
      refocus();
    });

    // A tap anywhere but a control brings the focus back to the input.
    document.addEventListener("click", function (event) {
      if (!event.target.closest("a, button, input, select, textarea, label")) {
        refocus();
      }
    });
    window.addEventListener("focus", refocus);

    refocus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
