/* sohoa: small enhancements; every page works without this file.
   Upload page: drag and drop, a progress bar while sending, then the state of each file polled
   from /jobs/<id>.json. Text from the server is only ever set with textContent. */
(function () {
  "use strict";

  // Forms whose action must not run twice from one click (an export numbers its copies): the
  // first submit disables the buttons for a while. The page stays when the answer is a
  // download, so they come back for a deliberate second export.
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  each(document.querySelectorAll("form[data-once]"), function (once) {
    var buttons = once.querySelectorAll("button[type=submit]");
    once.addEventListener("submit", function (e) {
      if (once.getAttribute("data-sent")) {
        e.preventDefault();  // the second click of a double click
        return;
      }
      once.setAttribute("data-sent", "1");
      // disabled now: the browser has already chosen to send the form, button included
      each(buttons, function (b) { b.disabled = true; });
      setTimeout(function () {
        once.removeAttribute("data-sent");
        each(buttons, function (b) { b.disabled = false; });
      }, 8000);
    });
  });
}());

(function () {
  "use strict";

  document.documentElement.classList.add("js");
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.fetch) {
    return;
  }
  var input = document.getElementById("files");
  var zone = document.getElementById("dropzone");
  var names = document.getElementById("drop-files");
  var progress = document.getElementById("upload-progress");
  var message = document.getElementById("upload-message");
  var section = document.getElementById("jobs-section");
  var tbody = document.querySelector("#jobs tbody");
  var jobUrl = form.getAttribute("data-job-url");
  var openLabel = form.getAttribute("data-open");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var polling = false;

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function showNames() {
    var list = [];
    for (var i = 0; i < input.files.length; i += 1) {
      list.push(input.files[i].name);
    }
    names.textContent = list.join(", ");
  }

  function rowFor(job) {
    var rows = tbody.querySelectorAll("tr[data-job]");
    for (var i = 0; i < rows.length; i += 1) {
      if (rows[i].getAttribute("data-job") === job.job_id) {
        return rows[i];
      }
    }
    var tr = document.createElement("tr");
    tr.setAttribute("data-job", job.job_id);
    var name = document.createElement("td");
    name.className = "job-name";
    var state = document.createElement("td");
    state.className = "job-state";
    var label = document.createElement("span");
    label.className = "job-label";
    var reason = document.createElement("span");
    reason.className = "job-reason";
    state.appendChild(label);
    state.appendChild(document.createTextNode(" "));
    state.appendChild(reason);
    var link = document.createElement("td");
    link.className = "job-link";
    tr.appendChild(name);
    tr.appendChild(state);
    tr.appendChild(link);
    tbody.appendChild(tr);
    return tr;
  }

  function update(job) {
    var tr = rowFor(job);
    tr.className = "job job-" + job.status;
    tr.setAttribute("data-done", job.done ? "1" : "0");
    tr.querySelector(".job-name").textContent = job.name;
    tr.querySelector(".job-label").textContent = job.label;
    var reason = tr.querySelector(".job-reason");
    if (!reason) {
      reason = document.createElement("span");
      reason.className = "job-reason";
      tr.querySelector(".job-state").appendChild(reason);
    }
    reason.textContent = job.reason ? "(" + job.reason + ")" : "";
    var cell = tr.querySelector(".job-link");
    if (job.url && job.url.charAt(0) === "/" && job.url.charAt(1) !== "/" && !cell.firstChild) {
      var a = document.createElement("a");
      a.href = job.url;
      a.textContent = openLabel;
      cell.appendChild(a);
    }
    section.hidden = false;
  }

  function pendingIds() {
    var ids = [];
    var rows = tbody.querySelectorAll("tr[data-job]");
    for (var i = 0; i < rows.length; i += 1) {
      if (rows[i].getAttribute("data-done") !== "1") {
        ids.push(rows[i].getAttribute("data-job"));
      }
    }
    return ids;
  }

  function rememberInUrl() {
    var rows = tbody.querySelectorAll("tr[data-job]");
    var query = [];
    for (var i = 0; i < rows.length; i += 1) {
      query.push("job=" + encodeURIComponent(rows[i].getAttribute("data-job")));
    }
    if (window.history && history.replaceState) {
      history.replaceState(null, "", form.getAttribute("action") + "?" + query.join("&"));
    }
  }

  function poll() {
    var ids = pendingIds();
    if (!ids.length) {
      polling = false;
      return;
    }
    polling = true;
    Promise.all(ids.map(function (id) {
      return fetch(jobUrl.replace("JOBID", encodeURIComponent(id)), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (job) {
        if (job && job.job_id) {
          update(job);
        }
      }).catch(function () { return null; });
    })).then(function () {
      window.setTimeout(poll, 1500);
    });
  }

  function startPolling() {
    if (!polling) {
      poll();
    }
  }

  function send() {
    say("");
    if (!input.files || !input.files.length) {
      say(form.getAttribute("data-none"));
      return;
    }
    var data = new FormData(form);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("Accept", "application/json");
    progress.value = 0;
    progress.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        progress.value = Math.round(100 * e.loaded / e.total);
      }
    });
    xhr.addEventListener("load", function () {
      progress.hidden = true;
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (err) {
        body = null;
      }
      if (!body || (!body.jobs && !body.errors)) {
        say((body && body.error) || form.getAttribute("data-failed"));
        return;
      }
      if (body.errors && body.errors.length) {
        say(body.errors.join(" "));
      }
      (body.jobs || []).forEach(update);
      rememberInUrl();
      input.value = "";
      names.textContent = "";
      startPolling();
    });
    xhr.addEventListener("error", function () {
      progress.hidden = true;
      say(form.getAttribute("data-failed"));
    });
    xhr.send(data);
  }

  input.addEventListener("change", showNames);
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) {
      e.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "dragend", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () {
      zone.classList.remove("over");
    });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      showNames();
      send();
    }
  });
  // A file dropped beside the zone must not make the browser leave the page to show it.
  ["dragover", "drop"].forEach(function (type) {
    window.addEventListener(type, function (e) {
      e.preventDefault();
    });
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    send();
  });
  startPolling();
}());
