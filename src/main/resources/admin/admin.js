// Photo Upload Sidecar: admin status page. Refreshes itself from /admin/status.json and builds the same
// markup as StatusPage.java (keep the two in step). Values are only ever set as text, never as HTML.
(function () {
  'use strict';

  var PRIMARY = ['pending', 'delivering', 'succeeded', 'failed'];
  var SECONDARY = ['acknowledged', 'cancelled', 'receiving'];
  var SVG = 'http://www.w3.org/2000/svg';
  var main = document.getElementById('status');
  if (!main) {
    return; // the sign-in page
  }
  var refreshMs = (parseInt(main.getAttribute('data-refresh-seconds'), 10) || 10) * 1000;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute('content') : '';
  var fetchedAt = Date.now();
  var timer = null;
  var busy = false;
  var quick = 0; // after a retry or cancel, a few refreshes in quick succession show the job moving on

  // ---- formats (as Html.java and Units.formatBytes) ---------------------------------------------

  function formatBytes(n) {
    if (n < 1024) {
      return n + ' B';
    }
    var units = ['KiB', 'MiB', 'GiB', 'TiB'];
    var v = n;
    var i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return (v >= 10 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
  }

  function span(fromMs, toMs) {
    var s = Math.max(0, Math.floor((toMs - fromMs) / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 86400) return Math.floor(s / 3600) + ' h';
    return Math.floor(s / 86400) + ' d';
  }

  function ms(iso) {
    return new Date(iso).getTime();
  }

  function ago(iso, now) {
    return (now - ms(iso)) < 5000 ? 'just now' : span(ms(iso), now) + ' ago';
  }

  function inTime(iso, now) {
    return (ms(iso) - now) < 1000 ? 'now' : 'in ' + span(now, ms(iso));
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function hm(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function local(iso) {
    return new Date(iso).toLocaleString();
  }

  // ---- DOM building ---------------------------------------------------------------------------

  function el(tag, attrs) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    for (var i = 2; i < arguments.length; i++) {
      append(e, arguments[i]);
    }
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    for (var i = 2; i < arguments.length; i++) {
      append(e, arguments[i]);
    }
    return e;
  }

  function setAttrs(e, attrs) {
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) {
          e.setAttribute(k, attrs[k] === true ? '' : String(attrs[k]));
        }
      });
    }
  }

  function append(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) { append(parent, c); });
    } else if (typeof child === 'string' || typeof child === 'number') {
      parent.appendChild(document.createTextNode(String(child)));
    } else {
      parent.appendChild(child);
    }
  }

  function time(iso, text) {
    return el('time', { datetime: iso, title: local(iso) }, text);
  }

  function body(id, content) {
    var b = document.querySelector('[data-body="' + id + '"]');
    if (b) {
      b.replaceChildren.apply(b, [].concat(content).filter(function (c) { return c !== null && c !== undefined; }));
    }
  }

  // ---- sections (as StatusPage.java) ------------------------------------------------------------

  function check(key, name, ok, state, detail) {
    return el('li', { 'class': 'check ' + (ok ? 'ok' : 'bad'), 'data-check': key },
      el('span', { 'class': 'dot', 'aria-hidden': 'true' }),
      el('div', null,
        el('div', { 'class': 'check-name' }, name + ' ', el('span', { 'class': 'state' }, state)),
        el('div', { 'class': 'detail' }, detail)));
  }

  function health(v, now) {
    var h = v.health;
    var br = v.breaker;
    var detail;
    if (br.open) {
      var when = br.nextProbeAt ? hm(br.nextProbeAt) + ' (' + inTime(br.nextProbeAt, now) + ')' : 'soon';
      detail = 'The host is unavailable; deliveries wait without spending attempts. '
        + (br.reason ? 'Reason: ' + br.reason + '. ' : '') + 'Next probe ' + when + '.';
    } else {
      detail = 'Breaker closed: the host answers, deliveries run.';
    }
    return el('ul', { 'class': 'checks' },
      check('database', 'Database', h.database.ok, h.database.state, h.database.detail),
      check('spool', 'Spool', h.spool.ok, h.spool.state, h.spool.detail),
      check('target', 'Target', h.target.ok, h.target.state, h.target.detail),
      check('breaker', 'Deliveries', !br.open, br.open ? 'paused' : 'running', detail));
  }

  function queue(v, now) {
    var counts = [PRIMARY, SECONDARY].map(function (group) {
      return el('div', { 'class': 'counts ' + (group === PRIMARY ? 'primary' : 'secondary') }, group.map(function (s) {
        var n = (v.counts && v.counts[s]) || 0;
        return el('div', { 'class': 'count st-' + s + (n === 0 ? ' zero' : '') },
          el('span', { 'class': 'n', 'data-count': s }, n),
          el('span', { 'class': 'label' }, s));
      }));
    });
    var j = v.oldestPending;
    var oldest;
    if (!j) {
      oldest = el('div', { 'class': 'oldest none', 'data-oldest': '' }, el('h3', null, 'Oldest pending'),
        el('p', { 'class': 'muted' }, 'Nothing is waiting.'));
    } else {
      oldest = el('div', { 'class': 'oldest', 'data-oldest': j.id }, el('h3', null, 'Oldest pending'),
        el('p', { 'class': 'job-title' }, el('span', { 'class': 'filename' }, j.filename), ' ',
          el('span', { 'class': 'size' }, formatBytes(j.size))),
        el('p', { 'class': 'job-meta' }, j.user + ' · ' + j.device + ' · waiting ',
          time(j.receivedAt, span(ms(j.receivedAt), now)), ' · ' + plural(j.attempts, 'attempt', 'attempts'),
          j.nextAttemptAt ? [' · next ', time(j.nextAttemptAt, inTime(j.nextAttemptAt, now))] : null),
        j.lastError ? el('p', { 'class': 'job-error' }, j.lastError) : null);
    }
    return counts.concat([oldest]);
  }

  function barTitle(startIso, seconds, jobs, bytes, last) {
    var end = new Date(ms(startIso) + seconds * 1000).toISOString();
    return hm(startIso) + '–' + hm(end) + ': ' + jobs + ' delivered, ' + formatBytes(bytes) + (last ? ' (so far)' : '');
  }

  function chart(key, title, per, c) {
    if (!c) {
      return el('figure', { 'class': 'chart', 'data-chart': key },
        el('figcaption', null, el('h3', null, title)), el('p', { 'class': 'muted' }, 'unavailable'));
    }
    var n = c.bars.length;
    var gap = n > 30 ? 0.24 : 0.3;
    var plot = svg('svg', { viewBox: '0 0 ' + n + ' 100', preserveAspectRatio: 'none', role: 'img',
      'aria-label': title + ': ' + c.jobs + ' delivered', 'data-seconds': c.bucketSeconds },
      svg('line', { 'class': 'grid', x1: 0, y1: 0, x2: n, y2: 0, 'vector-effect': 'non-scaling-stroke' }),
      svg('line', { 'class': 'grid', x1: 0, y1: 50, x2: n, y2: 50, 'vector-effect': 'non-scaling-stroke' }),
      svg('line', { 'class': 'base', x1: 0, y1: 100, x2: n, y2: 100, 'vector-effect': 'non-scaling-stroke' }),
      c.bars.map(function (bar, i) {
        if (bar.jobs === 0) return null;
        var h = Math.max(2.5, 100 * bar.jobs / c.max);
        return svg('rect', { 'class': 'bar' + (i === n - 1 ? ' now' : ''), x: fmt(i + gap / 2), y: fmt(100 - h),
          width: fmt(1 - gap), height: fmt(h), 'data-start': bar.start, 'data-jobs': bar.jobs, 'data-bytes': bar.bytes },
          svg('title', null, barTitle(bar.start, c.bucketSeconds, bar.jobs, bar.bytes, i === n - 1)));
      }));
    var labels = key === 'hour' ? ['60 min ago', '45', '30', '15', 'now'] : ['24 h ago', '18', '12', '6', 'now'];
    return el('figure', { 'class': 'chart', 'data-chart': key },
      el('figcaption', null, el('h3', null, title),
        el('span', { 'class': 'total' }, el('b', { 'data-delivered': key }, c.jobs), ' delivered · ' + formatBytes(c.bytes))),
      el('div', { 'class': 'plot' }, el('span', { 'class': 'ymax' }, c.max === 0 ? '' : c.max + ' ' + per), plot,
        c.jobs === 0 ? el('span', { 'class': 'nodata' }, 'No deliveries') : null),
      el('div', { 'class': 'axis', 'aria-hidden': 'true' }, labels.map(function (l) { return el('span', null, l); })));
  }

  function fmt(d) {
    return String(Math.round(d * 100) / 100);
  }

  function charts(v) {
    return el('div', { 'class': 'charts' }, chart('hour', 'Last hour', 'per minute', v.lastHour),
      chart('day', 'Last day', 'per hour', v.lastDay));
  }

  function action(j, name, label, css) {
    return el('form', { method: 'post', action: 'admin/jobs/' + encodeURIComponent(j.id) + '/' + name, 'class': 'job-action',
      'data-action': name, 'data-job': j.id, 'data-filename': j.filename },
      el('input', { type: 'hidden', name: 'csrf', value: csrf }),
      el('button', { type: 'submit', 'class': css }, label));
  }

  function failed(v, now) {
    var jobs = v.failed.jobs;
    if (jobs.length === 0) {
      return el('p', { 'class': 'empty' }, 'No failed jobs.');
    }
    var list = el('ul', { 'class': 'jobs' }, jobs.map(function (j) {
      return el('li', { 'class': 'job', 'data-job-id': j.id },
        el('div', { 'class': 'job-main' },
          el('p', { 'class': 'job-title' }, el('span', { 'class': 'filename' }, j.filename), ' ',
            el('span', { 'class': 'size' }, formatBytes(j.size))),
          el('p', { 'class': 'job-meta' }, j.user + ' · ' + j.device + ' · received ', time(j.receivedAt, ago(j.receivedAt, now)),
            ' · ' + plural(j.attempts, 'attempt', 'attempts') + ' · ', el('code', null, j.id)),
          j.lastError ? el('p', { 'class': 'job-error' }, j.lastError) : null),
        el('div', { 'class': 'job-actions' }, action(j, 'retry', 'Retry', 'btn primary'), action(j, 'cancel', 'Cancel', 'btn danger')));
    }));
    var more = v.failed.total > jobs.length
      ? el('p', { 'class': 'muted more' }, 'Showing the newest ' + jobs.length + ' of ' + v.failed.total + ' failed jobs. ',
        el('code', null, 'photo-sidecar jobs retry --failed'), ' retries them all.')
      : null;
    return [list, more];
  }

  function lastUpload(at, now) {
    return at ? time(at, ago(at, now)) : el('span', { 'class': 'muted' }, 'never');
  }

  function users(v, now) {
    if (v.users.length === 0) {
      return el('p', { 'class': 'empty' }, 'No users yet. Enroll a phone with ',
        el('code', null, 'photo-sidecar device add --user USER --name NAME'), '.');
    }
    return el('table', { 'class': 'rows' },
      el('thead', null, el('tr', null, el('th', null, 'User'), el('th', { 'class': 'num' }, 'Devices'),
        el('th', { 'class': 'num' }, 'Uploads'), el('th', null, 'Last upload'), el('th', { 'class': 'num' }, 'Failed'))),
      el('tbody', null, v.users.map(function (u) {
        return el('tr', { 'data-user': u.user },
          el('td', { 'data-label': 'User', 'class': 'name' }, u.user),
          el('td', { 'data-label': 'Devices', 'class': 'num' }, u.devices),
          el('td', { 'data-label': 'Uploads', 'class': 'num', 'data-uploads': true }, u.uploads),
          el('td', { 'data-label': 'Last upload' }, lastUpload(u.lastUploadAt, now)),
          el('td', { 'data-label': 'Failed', 'class': 'num' + (u.failed > 0 ? ' bad' : ''), 'data-failed': true }, u.failed));
      })));
  }

  function devices(v, now) {
    if (v.devices.length === 0) {
      return el('p', { 'class': 'empty' }, 'No devices yet.');
    }
    return el('table', { 'class': 'rows' },
      el('thead', null, el('tr', null, el('th', null, 'Device'), el('th', null, 'User'),
        el('th', { 'class': 'num' }, 'Uploads'), el('th', null, 'Last upload'), el('th', { 'class': 'num' }, 'Failed'))),
      el('tbody', null, v.devices.map(function (d) {
        return el('tr', { 'data-device': d.id, 'class': d.active ? null : 'revoked' },
          el('td', { 'data-label': 'Device', 'class': 'name' }, d.name, d.active ? null : [' ', el('span', { 'class': 'tag' }, 'revoked')]),
          el('td', { 'data-label': 'User' }, d.user),
          el('td', { 'data-label': 'Uploads', 'class': 'num', 'data-uploads': true }, d.uploads),
          el('td', { 'data-label': 'Last upload' }, lastUpload(d.lastUploadAt, now)),
          el('td', { 'data-label': 'Failed', 'class': 'num' + (d.failed > 0 ? ' bad' : ''), 'data-failed': true }, d.failed));
      })));
  }

  function render(v) {
    var now = ms(v.generatedAt);
    body('health', health(v, now));
    body('queue', queue(v, now));
    body('throughput', charts(v));
    body('failed', failed(v, now));
    body('users', users(v, now));
    body('devices', devices(v, now));
    var total = document.querySelector('[data-total]');
    if (total) total.textContent = plural(v.totalJobs, 'job', 'jobs');
    var badge = document.querySelector('[data-failed-total]');
    if (badge) {
      badge.textContent = String(v.failed.total);
      badge.className = 'badge' + (v.failed.total > 0 ? ' bad' : '');
    }
    var line = document.getElementById('refresh-text');
    if (line) {
      line.replaceChildren('Updated ', el('time', { id: 'generated', datetime: v.generatedAt, title: local(v.generatedAt) }, 'just now'),
        el('span', { 'class': 'every' }, ' · every ' + (refreshMs / 1000) + ' s'));
    }
    main.setAttribute('data-generated-at', v.generatedAt);
  }

  // ---- refresh ----------------------------------------------------------------------------------

  var refreshLine = document.getElementById('refresh');

  function setRefreshState(state) {
    if (refreshLine) refreshLine.className = 'refresh' + (state ? ' ' + state : '');
  }

  function tick() {
    var gen = document.getElementById('generated');
    if (gen) {
      var age = Date.now() - fetchedAt;
      gen.textContent = age < 5000 ? 'just now' : span(0, age) + ' ago';
    }
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay);
  }

  function refresh() {
    if (busy) return;
    busy = true;
    setRefreshState('loading');
    fetch('admin/status.json', { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) {
          window.location.reload();
          throw new Error('signed out');
        }
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (v) {
        render(v);
        fetchedAt = Date.now();
        tick();
        setRefreshState('');
        main.setAttribute('data-refreshes', String((parseInt(main.getAttribute('data-refreshes'), 10) || 0) + 1));
      })
      .catch(function () {
        setRefreshState('offline');
        var line = document.getElementById('refresh-text');
        if (line) line.replaceChildren('Cannot reach the sidecar; trying again');
      })
      .then(function () {
        busy = false;
        if (quick > 0) {
          quick--;
          schedule(1500);
        } else {
          schedule(refreshMs);
        }
      });
  }

  // ---- retry and cancel ---------------------------------------------------------------------------

  var toastTimer = null;

  function toast(text, bad) {
    var t = document.getElementById('toast');
    if (!t) return;
    t.textContent = text;
    t.className = 'toast' + (bad ? ' bad' : '');
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 4000);
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.classList || !form.classList.contains('job-action')) return;
    e.preventDefault();
    var what = form.getAttribute('data-action');
    var name = form.getAttribute('data-filename') || form.getAttribute('data-job');
    if (what === 'cancel' && !window.confirm('Cancel ' + name + '? Its spool copy is deleted; the phone sees it as cancelled.')) {
      return;
    }
    var buttons = form.closest('.job-actions').querySelectorAll('button');
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.getAttribute('action'), {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' }
    })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, status: r.status, body: j }; });
      })
      .then(function (res) {
        if (res.status === 401 && !(res.body.error && /CSRF/.test(res.body.error.message))) {
          window.location.reload();
          return;
        }
        if (!res.ok) {
          toast((res.body.error && res.body.error.message) || ('HTTP ' + res.status), true);
          buttons.forEach(function (b) { b.disabled = false; });
        } else {
          toast(what === 'retry' ? 'Retrying ' + name + ': it is pending again.' : 'Cancelled ' + name + '.');
          quick = what === 'retry' ? 4 : 0;
        }
        schedule(0);
      })
      .catch(function () {
        toast('The sidecar did not answer; try again.', true);
        buttons.forEach(function (b) { b.disabled = false; });
      });
  });

  // ---- start ------------------------------------------------------------------------------------

  // Server-rendered times are UTC; show local times until the first refresh re-renders everything.
  document.querySelectorAll('time[datetime]').forEach(function (t) {
    t.setAttribute('title', local(t.getAttribute('datetime')));
  });
  document.querySelectorAll('svg[data-seconds]').forEach(function (s) {
    var bars = s.querySelectorAll('rect[data-start]');
    bars.forEach(function (r, i) {
      var title = r.querySelector('title');
      if (title) {
        title.textContent = barTitle(r.getAttribute('data-start'), +s.getAttribute('data-seconds'), +r.getAttribute('data-jobs'),
          +r.getAttribute('data-bytes'), r.classList.contains('now'));
      }
    });
  });
  setInterval(tick, 5000);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && Date.now() - fetchedAt > refreshMs) {
      schedule(0);
    }
  });
  schedule(refreshMs);
})();
