// The scanner page kit (see warehouse/scanner/__init__.py): keep the scan field focused for a
// keyboard-wedge scanner, send each scan as JSON with its own idempotency key (the same key again on a
// network failure), show the server's answer large with a sound and a colour, and swap in the next screen.
(function () {
  "use strict";

  var TIMEOUT_MS = 15000;
  var MAX_BACKOFF_MS = 5000;
  var RETRY_STATUSES = { 502: true, 503: true, 504: true };

  var form, input, send, screenBox, message, prompt, title, scanBox, keyboard, camera;
  var queue = [];
  var busy = false;
  var audio = null;

  // Keys ---------------------------------------------------------------------------------------------

  function newKey() {
    var cryptoObj = window.crypto || window.msCrypto;
    if (cryptoObj && typeof cryptoObj.randomUUID === "function") {
      return cryptoObj.randomUUID(); // only in secure contexts (https, localhost)
    }
    if (cryptoObj && cryptoObj.getRandomValues) {
      var bytes = new Uint8Array(16);
      cryptoObj.getRandomValues(bytes);
      bytes[6] = (bytes[6] & 0x0f) | 0x40;
      bytes[8] = (bytes[8] & 0x3f) | 0x80;
      var hex = "";
      for (var i = 0; i < bytes.length; i++) {
        hex += (bytes[i] + 0x100).toString(16).slice(1);
        if (i === 3 || i === 5 || i === 7 || i === 9) {
          hex += "-";
        }
      }
      return hex;
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }

  // Sound, vibration, colour -------------------------------------------------------------------------

  function wakeAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return null;
    }
    try {
      audio = audio || new Context();
      if (audio.state === "suspended" && audio.resume) {
        audio.resume();
      }
    } catch (error) {
      audio = null;
    }
    return audio;
  }

  function tone(frequency, start, length, wave, volume) {
    var oscillator = audio.createOscillator();
    var gain = audio.createGain();
    var at = audio.currentTime + start;
    oscillator.type = wave;
    oscillator.frequency.setValueAtTime(frequency, at);
    gain.gain.setValueAtTime(volume, at);
    gain.gain.exponentialRampToValueAtTime(0.001, at + length);
    oscillator.connect(gain);
    gain.connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + length + 0.02);
  }

  function signal(ok) {
    if (wakeAudio()) {
      if (ok) {
        tone(1760, 0, 0.09, "sine", 0.3); // one short high beep
      } else {
        tone(140, 0, 0.2, "square", 0.25); // a low double buzz
        tone(140, 0.28, 0.2, "square", 0.25);
      }
    }
    if (navigator.vibrate) {
      navigator.vibrate(ok ? 50 : [200, 100, 200]);
    }
  }

  function setState(state) {
    document.body.setAttribute("data-scan-state", state);
    message.setAttribute("data-state", state);
  }

  function flash(ok) {
    var box = document.getElementById("sk-flash");
    if (!box) {
      return;
    }
    box.className = "sk-flash";
    void box.offsetWidth; // restart the animation
    box.className = "sk-flash " + (ok ? "sk-flash-ok" : "sk-flash-error");
  }

  function say(text, state) {
    message.textContent = text;
    setState(state);
    if (text && state !== "busy") {
      var top = message.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight - 40) {
        // the answer must be seen: a screen scrolled down to its buttons would hide it
        message.scrollIntoView({ block: "center", behavior: "instant" });
      }
    }
  }

  // Focus ----------------------------------------------------------------------------------------------

  function isTyping(element) {
    if (!element || element === input) {
      return false;
    }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") {
      return true;
    }
    if (tag !== "INPUT") {
      return false;
    }
    var type = (element.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset", "hidden", "image", "file"].indexOf(type) === -1;
  }

  function refocus() {
    if (scanBox.hidden || isTyping(document.activeElement)) {
      return;
    }
    input.focus({ preventScroll: true });
  }

  // Sending --------------------------------------------------------------------------------------------

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function fields(submitter) {
    var data = {};
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var element = elements[i];
      if (!element.name || element.disabled || element.name === "csrfmiddlewaretoken") {
        continue;
      }
      var type = (element.type || "").toLowerCase();
      if (type === "submit" || type === "button" || type === "file") {
        continue;
      }
      if ((type === "checkbox" || type === "radio") && !element.checked) {
        continue;
      }
      data[element.name] = element.value;
    }
    if (submitter && submitter.name) {
      data[submitter.name] = submitter.value;
    }
    return data;
  }

  function enqueue(code, submitter) {
    var url = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
    queue.push({ code: code, submitter: submitter, url: url, key: newKey(), body: null, tries: 0 });
    pump();
  }

  function pump() {
    if (busy || !queue.length) {
      return;
    }
    var item = queue[0];
    if (item.body === null) {
      // The fields of the screen showing when the scan is first sent; kept as they are for retries.
      item.body = fields(item.submitter);
      item.body.code = item.code;
      item.body.key = item.key;
    }
    busy = true;
    setState("busy");
    attempt(item);
  }

  function attempt(item) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () {
      if (controller) {
        controller.abort();
      }
    }, TIMEOUT_MS);
    fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Idempotency-Key": item.key,
        "X-CSRFToken": csrfToken(),
        "X-Requested-With": "XMLHttpRequest"
      },
      body: JSON.stringify(item.body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      if (RETRY_STATUSES[response.status]) {
        retry(item, "The hub is busy (HTTP " + response.status + ")");
        return;
      }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        done({ ok: false, message: "The hub answered unexpectedly (HTTP " + response.status + "). Reload the page; you may need to sign in again.", stop: true });
        return;
      }
      return response.json().then(done, function () {
        retry(item, "The answer was cut off");
      });
    }, function () {
      clearTimeout(timer);
      retry(item, "No connection");
    });
  }

  function retry(item, why) {
    item.tries += 1;
    if (item.tries === 1) {
      signal(false);
      flash(false);
    }
    say(why + " — sending again (" + item.tries + ")…", "error");
    var wait = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, item.tries - 1));
    setTimeout(function () {
      attempt(item); // the same key: the hub counts it once, however many copies arrive
    }, wait);
  }

  function done(answer) {
    queue.shift();
    busy = false;
    show(answer || { ok: false, message: "Empty answer from the hub." });
    if (answer && (answer.redirect || answer.stop)) {
      queue = [];
      return;
    }
    pump();
  }

  function show(answer) {
    var ok = answer.ok === true;
    say(answer.message || (ok ? "OK" : "Refused"), ok ? "ok" : "error");
    flash(ok);
    signal(ok);
    if (typeof answer.html === "string") {
      screenBox.innerHTML = answer.html;
    }
    if (typeof answer.prompt === "string") {
      prompt.textContent = answer.prompt;
    }
    if (typeof answer.title === "string" && answer.title) {
      title.textContent = answer.title;
      document.title = answer.title + " · Scanner";
    }
    if (typeof answer.action === "string" && answer.action) {
      form.setAttribute("action", answer.action);
    }
    if (typeof answer.scan === "boolean") {
      scanBox.hidden = !answer.scan;
    }
    document.dispatchEvent(new CustomEvent("scanner:answer", { detail: answer }));
    if (answer.redirect) {
      setTimeout(function () {
        window.location.assign(answer.redirect);
      }, 250);
      return;
    }
    refocus();
  }

  // Camera (only where the browser has BarcodeDetector) ----------------------------------------------------

  var stream = null;
  var detecting = false;

  function closeCamera() {
    detecting = false;
    document.getElementById("sk-camera-view").hidden = true;
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      stream = null;
    }
    refocus();
  }

  function openCamera() {
    var view = document.getElementById("sk-camera-view");
    var video = document.getElementById("sk-video");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("This browser cannot use the camera here (it needs https).", "error");
      signal(false);
      return;
    }
    var detector = new window.BarcodeDetector();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        view.hidden = false;
        detecting = true;
        return video.play();
      })
      .then(function () {
        function look() {
          if (!detecting) {
            return;
          }
          detector.detect(video).then(function (codes) {
            if (codes.length && detecting) {
              closeCamera();
              enqueue(codes[0].rawValue, null);
            } else {
              setTimeout(look, 150);
            }
          }, function () {
            setTimeout(look, 300);
          });
        }
        look();
      })
      .catch(function (error) {
        closeCamera();
        say("Camera not available: " + (error && error.message ? error.message : error), "error");
        signal(false);
      });
  }

  // Wiring ---------------------------------------------------------------------------------------------

  function ready() {
    form = document.getElementById("sk-form");
    input = document.getElementById("sk-code");
    if (!form || !input) {
      return;
    }
    send = document.getElementById("sk-send");
    screenBox = document.getElementById("sk-screen");
    message = document.getElementById("sk-message");
    prompt = document.getElementById("sk-prompt");
    title = document.getElementById("sk-title");
    scanBox = document.getElementById("sk-scan");
    keyboard = document.getElementById("sk-keyboard");
    camera = document.getElementById("sk-camera");

    // Enter in the scan field is a scan, never the press of some other button of the screen.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.keyCode === 13) {
        event.preventDefault();
        wakeAudio();
        var code = input.value.trim();
        input.value = "";
        if (code) {
          enqueue(code, null);
        }
      }
    });

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter || null;
      if (submitter && submitter.hasAttribute("data-plain")) {
        return; // an ordinary form post (log out)
      }
      event.preventDefault();
      wakeAudio();
      if (!submitter || submitter === send) {
        var code = input.value.trim();
        input.value = "";
        if (code) {
          enqueue(code, null);
        } else {
          refocus();
        }
        return;
      }
      enqueue("", submitter);
    });

    keyboard.addEventListener("click", function () {
      var typing = input.getAttribute("inputmode") === "none";
      input.setAttribute("inputmode", typing ? "text" : "none");
      keyboard.setAttribute("aria-pressed", typing ? "true" : "false");
      input.blur();
      input.focus({ preventScroll: true });
    });

    if ("BarcodeDetector" in window) {
      camera.hidden = false;
      camera.addEventListener("click", openCamera);
      document.getElementById("sk-camera-close").addEventListener("click", closeCamera);
    }

    // Keep the focus on the scan field: after a tap on anything but a text field, after a checkbox or
    // toggle changes, when the field loses it to nothing, and when the window comes back.
    function refocusSoon() {
      refocus();
      setTimeout(refocus, 0); // again once the browser has finished moving the focus itself
    }
    document.addEventListener("click", function (event) {
      if (!isTyping(event.target) && !event.target.closest("a")) {
        refocusSoon();
      }
    });
    document.addEventListener("change", function (event) {
      if (!isTyping(event.target)) {
        refocusSoon();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(function () {
        if (!document.activeElement || document.activeElement === document.body) {
          refocus();
        }
      }, 0);
    });
    window.addEventListener("focus", refocus);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        refocus();
      }
    });
    // Enter in a text field of the screen (a quantity) goes back to the scan field, sending nothing.
    screenBox.addEventListener("keydown", function (event) {
      if ((event.key === "Enter" || event.keyCode === 13) && isTyping(event.target)) {
        event.preventDefault();
        input.focus({ preventScroll: true });
      }
    });

    window.ScannerKit = {
      scan: function (code) {
        enqueue(String(code), null);
      },
      pending: function () {
        return queue.length;
      }
    };
    setState(document.body.getAttribute("data-scan-state") || "idle");
    refocus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
