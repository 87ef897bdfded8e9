// Keeps this editor's soft lock on the article alive, and shows who else has it open and
// who saved it since this page was loaded (a save from this page would then be refused).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("presence-config").textContent);
  const others = document.getElementById("presence-others");
  const changes = document.getElementById("presence-changes");
  const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";

  function body(extra) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("version", String(config.version));
    Object.entries(extra || {}).forEach(([key, value]) => data.append(key, value));
    return data;
  }

  // The server's sentences in the desk's language, with their %(name)s parts filled in.
  function say(sentence, parts) {
    return sentence.replace(/%\((\w+)\)s/g, (whole, name) => (name in parts ? parts[name] : whole));
  }

  function show(answer) {
    const says = config.says;
    others.textContent = answer.others.length
      ? say(says.others, { names: answer.others.map((o) => o.name).join(says.and), since: answer.others[0].since })
      : "";
    changes.textContent = answer.changes.length
      ? say(says.changes, { changes: answer.changes.join(says.then) })
      : "";
  }

  function beat() {
    fetch(config.url, { method: "POST", body: body(), credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => answer && show(answer))
      .catch(() => {});
  }

  beat();
  setInterval(beat, config.every * 1000);
  window.addEventListener("pagehide", () => navigator.sendBeacon(config.url, body({ leave: "1" })));
})();
