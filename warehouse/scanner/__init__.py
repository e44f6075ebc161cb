"""The scanner page kit: what every handheld page (receive, put away, pick, pack, hand over, returns,
counts) is built on. One base template, one JS file, one CSS file, and a small view helper.

The model (OCA Shopfloor's): the handheld sends every scan to the server, the server checks it and
decides the next screen; a refusal is a screen that says what is wrong and what to do, never a dead end.

What the handheld gets
----------------------
- A 360-px-first page: a top bar (back link, title, user), a large message line, the scan field, and
  the flow's own screen below it (``#sk-screen``).
- The scan field keeps the focus (it takes it back after a tap on anything that is not a text field,
  and when the window regains focus) with ``inputmode="none"``, so the on-screen keyboard stays down
  for a keyboard-wedge scanner (code + Enter); the ⌨ button switches to typing by hand. A 📷 button
  appears only where the browser has ``BarcodeDetector``; it scans with the phone's camera.
- Every scan and every button press is POSTed as JSON with a fresh idempotency key
  (``crypto.randomUUID``, else ``crypto.getRandomValues``, else time and ``Math.random``) in the
  ``Idempotency-Key`` header and as ``key``. A network failure, a timeout or a 502/503/504 sends the
  same request again with the same key (backing off up to 5 s) until it gets an answer, so a scan is
  neither lost nor counted twice. Scans made meanwhile wait in order.
- The answer is shown large: green flash and a short high beep for OK, red flash and a low double buzz
  for a refusal (WebAudio; vibration where the device has it). ``document.body.dataset.scanState`` is
  "ok", "error", "busy" or "idle", for tests and for CSS.
- Without JavaScript the same form posts normally (with a key rendered into the page) and the server
  answers with the whole page.

Building a flow on it
---------------------
1. A fragment template for the screen under the scan field, e.g. ``picking/scan/pick.html``. It may
   use the kit's classes (``sk-card``, ``sk-card-ok``, ``sk-card-warn``, ``sk-list``, ``sk-qty``,
   ``sk-toggle``, ``sk-field``, ``sk-actions``, ``sk-button``, ``sk-button-primary``,
   ``sk-button-danger``, ``sk-hint``). Everything inside it is inside the page's ``<form>``: hidden
   inputs carry the screen's state (which bin, which step) and are sent with every scan; a
   ``<button type="submit" name="do" value="complete">`` sends ``do=complete``, and a ``formaction``
   on a button posts to that URL instead; a button with ``data-plain`` posts the form the ordinary way
   (a page load, as the menu's log-out does). The scanned code arrives as ``code``.
2. A view that builds a ``kit.Screen`` and answers with ``kit.respond``::

       from hub.dashboard.access import role_required
       from warehouse.scanner import kit

       @role_required(*kit.SCANNER_ROLES)
       def pick(request, picklist_id):
           picklist = get_object_or_404(...)
           answer, status = None, 200
           if request.method == "POST":
               data = kit.payload(request)
               answer, status = kit.run(request, "picklist.scan", lambda key: pick_scan(picklist, data, key=key))
           screen = kit.Screen(
               title=f"Pick {picklist.number}", prompt="Scan the bin", template="picking/scan/pick.html",
               action=request.path, context={"picklist": picklist},
           )
           return kit.respond(request, screen, answer, status=status)

   ``kit.run`` runs the work once per idempotency key (``warehouse.scans.once``): the work gets the key
   (for the ledger keys of the stock it moves), returns the answer dict, at least
   ``{"ok": True, "message": "..."}``, and may raise a ``DomainError`` to refuse,
   which becomes ``{"ok": False, "message": ..., "code": ..., "field": ...}`` with the error's HTTP
   status. ``kit.respond`` answers a scan with JSON (the answer plus ``html``, the screen fragment
   rendered afresh, and ``title``, ``prompt``, ``action``, ``scan``), and a page load or a form post
   without JavaScript with the whole page. An answer may carry ``redirect`` (a URL): the page goes there
   and the message is shown on the next page. ``kit.attempt(work)`` is the same without the key, for a
   step that changes nothing (choosing what to work on).
3. A menu entry: in the flow's ``AppConfig.ready``::

       from warehouse.scanner.menu import Flow, register
       register(Flow("pick", "Pick", "picking:scan-home", hint="Walk a picklist", order=30))

   The scanner menu (``/scan/``, ``scanner:home``) lists the registered flows the user's roles allow,
   in ``order``. Register only flows that exist.
4. JavaScript hooks, when a flow needs them: ``document`` gets a ``scanner:answer`` event (the answer is
   ``event.detail``) after every answer; ``window.ScannerKit.scan(code)`` sends a code as if scanned.
"""
