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

  function show(answer) {
    others.textContent = answer.others.length
      ? answer.others.map((o) => o.name).join("、") + " 也打开了这篇文章（" + answer.others[0].since + " 起），保存前请先沟通。"
      : "";
    changes.textContent = answer.changes.length
      ? "打开后已有新的保存：" + answer.changes.join("；") + "。现在保存会被拒绝，你的内容会保留在表单里。"
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
