// The web chat page: talks to /api/webchat (JSON + server-sent events) and renders the bot's
// messages from plain JSON blocks (see bot/render/web.ts). Every text goes through textContent:
// nothing from the server is ever parsed as HTML.
(() => {
  const UI = {
    'zh-CN': {
      title: '客服中心',
      menu: '菜单',
      send: '发送',
      attach: '图片/文件',
      placeholder: '输入消息…',
      dev: '开发面板：最近发出的短信/邮件',
      switchTo: 'English',
      uploading: '正在上传…',
      uploadFailed: '上传失败：文件类型不支持或超过 5 MB。',
      uploadNotExpected: '请在需要文件的步骤发送（新建工单的附件，或更换头像）。',
      uploadQuota: '今天上传的文件已达上限，请明天再试。',
      uploadTooFast: '上传太频繁了，请稍后再试。',
      sendFailed: '发送失败，请检查网络后重试。',
      tooFast: '发送太频繁了，请稍后再试。',
      expires: '链接 {minutes} 分钟内有效',
      returning: '欢迎回来！发送“菜单”查看可以做的事。',
      required: '此项必填',
      stars: '星',
    },
    'en-US': {
      title: 'Helpdesk',
      menu: 'Menu',
      send: 'Send',
      attach: 'Image/file',
      placeholder: 'Type a message…',
      dev: 'Dev panel: latest SMS/email sent',
      switchTo: '中文',
      uploading: 'Uploading…',
      uploadFailed: 'Upload failed: unsupported type or larger than 5 MB.',
      uploadNotExpected:
        "Send a file when the chat asks for one (a new ticket's attachments, a profile picture).",
      uploadQuota: "You have reached today's upload limit. Please try again tomorrow.",
      uploadTooFast: 'Too many uploads. Please wait a moment.',
      sendFailed: 'Could not send. Check the connection and try again.',
      tooFast: 'Too many messages. Please wait a moment.',
      expires: 'The link is valid for {minutes} minutes',
      returning: 'Welcome back! Send "menu" to see what you can do.',
      required: 'Required',
      stars: 'stars',
    },
  };

  const $ = (id) => document.getElementById(id);
  const messages = $('messages');
  const input = $('composer-input');
  const fileInput = $('file-input');
  const status = $('status');
  let locale = localStorage.getItem('hd_lang') === 'en-US' ? 'en-US' : 'zh-CN';
  let busy = Promise.resolve();

  const ui = (key, params) =>
    (UI[locale][key] || key).replace(/\{(\w+)\}/g, (m, name) =>
      params && name in params ? params[name] : m,
    );

  function applyChrome() {
    document.documentElement.lang = locale;
    document.title = `${ui('title')} · Helpdesk`;
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = ui(el.dataset.i18n);
    for (const el of document.querySelectorAll('[data-i18n-placeholder]'))
      el.placeholder = ui(el.dataset.i18nPlaceholder);
    $('lang-button').textContent = ui('switchTo');
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function showStatus(text) {
    status.textContent = text || '';
    status.hidden = !text;
  }

  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `m${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
  }

  async function post(path, body, headers) {
    const res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'x-webchat': '1', 'content-type': 'application/json', ...(headers || {}) },
      body: typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body),
    });
    let data = {};
    try {
      data = await res.json();
    } catch {
      data = {};
    }
    return { status: res.status, data };
  }

  // ------------------------------------------------------------------ rendering the bot's blocks

  function buttonRow(buttons) {
    const row = el('div', 'buttons');
    for (const b of buttons || []) {
      const button = el('button', b.style || 'default', b.label);
      button.type = 'button';
      button.addEventListener('click', () =>
        send({ text: b.text || b.label, value: b.value || undefined }, b.label),
      );
      row.appendChild(button);
    }
    return row;
  }

  function renderTicket(block) {
    const card = el('div', 'ticket-card');
    const head = el('div', 'head');
    const title = el('span', 'ticket-title');
    if (block.number) title.appendChild(el('span', 'number', `${block.number} `));
    title.appendChild(document.createTextNode(block.title));
    head.append(title, el('span', `badge ${block.status}`, block.statusLabel));
    card.appendChild(head);
    const facts = el('dl', 'facts');
    for (const f of block.facts || []) facts.append(el('dt', '', f.label), el('dd', '', f.value));
    card.appendChild(facts);
    if (block.description) card.appendChild(el('div', 'description', block.description));
    if (block.resolution) card.appendChild(el('div', 'resolution', block.resolution));
    if (block.timeline?.length) {
      const list = el('ul', 'timeline');
      for (const e of block.timeline) list.appendChild(el('li', '', `${e.at} ${e.text}`));
      card.appendChild(list);
    }
    card.appendChild(buttonRow(block.actions));
    return card;
  }

  function renderList(block) {
    const box = el('div', 'list');
    box.appendChild(el('h4', '', block.title));
    if (block.pageLabel) box.appendChild(el('div', 'page-label', block.pageLabel));
    if (!block.items.length) box.appendChild(el('div', 'hint', block.emptyText));
    for (const item of block.items) {
      const row = el('button', 'list-item', item.title);
      row.type = 'button';
      row.appendChild(el('small', '', item.subtitle));
      row.addEventListener('click', () =>
        send({ text: item.open.label, value: item.open.value }, item.title),
      );
      box.appendChild(row);
    }
    box.appendChild(buttonRow([...(block.navigation || []), ...(block.actions || [])]));
    return box;
  }

  function renderFigures(block) {
    const box = el('div', 'figures');
    box.appendChild(el('h4', '', block.title));
    const grid = el('div', 'figures-grid');
    for (const f of block.figures) {
      const tile = el('button', 'figure');
      tile.type = 'button';
      tile.append(el('strong', '', f.count), document.createTextNode(f.label));
      tile.addEventListener('click', () => send({ text: f.open.label, value: f.open.value }, f.label));
      grid.appendChild(tile);
    }
    box.append(grid, buttonRow(block.actions));
    return box;
  }

  function renderForm(block) {
    const form = el('form', 'form');
    form.noValidate = true;
    form.appendChild(el('h4', '', block.title));
    const getters = [];
    for (const f of block.fields) {
      const id = `f-${block.formId}-${f.id}-${Math.random().toString(36).slice(2, 7)}`;
      const label = el('label', '', f.required ? `${f.label} *` : f.label);
      label.htmlFor = id;
      form.appendChild(label);
      let control;
      if (f.kind === 'textarea') {
        control = el('textarea');
        control.maxLength = f.maxLength;
      } else if (f.kind === 'choice') {
        control = el('select');
        control.appendChild(el('option', '', '—')).value = '';
        for (const o of f.options) {
          const option = el('option', '', o.label);
          option.value = o.value;
          control.appendChild(option);
        }
      } else if (f.kind === 'rating') {
        control = el('div', 'stars');
        for (let i = 1; i <= f.max; i++) {
          const l = el('label');
          const radio = el('input');
          radio.type = 'radio';
          radio.name = id;
          radio.value = String(i);
          if (f.value === i) radio.checked = true;
          l.append(radio, document.createTextNode(` ${'★'.repeat(i)}`));
          control.appendChild(l);
        }
      } else {
        control = el('input');
        control.type = 'text';
        control.maxLength = f.maxLength;
        if (f.placeholder) control.placeholder = f.placeholder;
      }
      control.id = id;
      if (f.kind !== 'rating' && f.value !== undefined) control.value = f.value;
      form.appendChild(control);
      const error = el('div', 'field-error');
      form.appendChild(error);
      getters.push(() => {
        let value;
        if (f.kind === 'rating') {
          const checked = control.querySelector('input:checked');
          value = checked ? Number(checked.value) : '';
        } else {
          value = control.value.trim();
        }
        let problem = '';
        if (f.required && (value === '' || value === undefined)) problem = f.errorMessage || ui('required');
        else if (f.pattern && value !== '' && !new RegExp(`^(?:${f.pattern})$`).test(value))
          problem = f.errorMessage;
        error.textContent = problem;
        return { id: f.id, value, problem };
      });
    }
    const submit = el('button', 'primary', block.submit.label);
    submit.type = 'submit';
    const row = buttonRow(block.secondary);
    row.prepend(submit);
    form.appendChild(row);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const values = getters.map((get) => get());
      if (values.some((v) => v.problem)) return;
      const value = { ...block.submit.value, form: block.formId };
      for (const v of values) if (v.value !== '') value[v.id] = v.value;
      send({ text: block.submit.label, value }, block.submit.label);
    });
    return form;
  }

  function renderBlock(block) {
    switch (block.kind) {
      case 'text':
        return el('div', 'block', block.text);
      case 'buttons': {
        const box = el('div', 'block', block.text || null);
        box.appendChild(buttonRow(block.buttons));
        return box;
      }
      case 'ticket':
        return renderTicket(block);
      case 'list':
        return renderList(block);
      case 'figures':
        return renderFigures(block);
      case 'form':
        return renderForm(block);
      case 'link': {
        const box = el('div', 'block', block.text);
        const a = el('a', 'link-button', block.label);
        a.href = block.url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        box.append(el('br'), a);
        if (block.expiresInMinutes)
          box.appendChild(el('div', 'hint', ui('expires', { minutes: block.expiresInMinutes })));
        return box;
      }
      case 'image': {
        const img = el('img');
        img.src = block.url;
        img.alt = block.alt;
        return img;
      }
      case 'file': {
        const a = el('a', 'block', `📄 ${block.name}`);
        a.href = block.url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        return a;
      }
      default:
        return el('div', 'block', '');
    }
  }

  /** Adds, updates or removes a bot message (op from the server). */
  function showBot(message) {
    const existing = message.id ? messages.querySelector(`[data-id="${CSS.escape(message.id)}"]`) : null;
    if (message.op === 'delete') {
      if (existing) existing.remove();
      return;
    }
    const bubble = el('div', 'msg bot');
    bubble.dataset.id = message.id || '';
    const blocks = message.blocks?.length ? message.blocks : [{ kind: 'text', text: message.text }];
    for (const block of blocks) bubble.appendChild(renderBlock(block));
    if (existing && message.op === 'update') existing.replaceWith(bubble);
    else if (!existing) messages.appendChild(bubble);
    scrollDown();
  }

  function showUser(text, imageUrl) {
    const bubble = el('div', 'msg user', text || null);
    if (imageUrl) {
      const img = el('img');
      img.src = imageUrl;
      img.alt = text || '';
      bubble.appendChild(img);
    }
    messages.appendChild(bubble);
    scrollDown();
  }

  // ------------------------------------------------------------------ sending

  /** Sends one message; turns are queued so the bot answers them in order. */
  function send(message, shownText, imageUrl) {
    showUser(shownText === undefined ? message.text : shownText, imageUrl);
    const body = { id: newId(), locale, ...message };
    busy = busy.then(async () => {
      const pending = el('div', 'msg bot pending', '…');
      messages.appendChild(pending);
      scrollDown();
      try {
        let reply = await post('/api/webchat/messages', body);
        if (reply.status >= 500 || reply.status === 0) reply = await post('/api/webchat/messages', body);
        if (reply.status === 401) {
          // The server no longer knows this browser (its id was refused): a new session, then the message.
          const session = await post('/api/webchat/session', { locale });
          for (const m of session.data.activities || []) showBot(m);
          reply = await post('/api/webchat/messages', body);
        }
        if (reply.status === 429) showStatus(ui('tooFast'));
        else if (reply.status !== 200) showStatus(ui('sendFailed'));
        else showStatus('');
        for (const m of reply.data.activities || []) showBot(m);
      } catch {
        showStatus(ui('sendFailed'));
      } finally {
        pending.remove();
      }
    });
    return busy;
  }

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    send({ text });
  });

  $('menu-button').addEventListener('click', () => send({ text: ui('menu'), value: { action: 'menu' } }));

  $('lang-button').addEventListener('click', () => {
    locale = locale === 'zh-CN' ? 'en-US' : 'zh-CN';
    localStorage.setItem('hd_lang', locale);
    applyChrome();
    // The bot remembers the choice too (a language command), so its messages and pushes follow.
    send({ text: locale === 'en-US' ? 'English' : '中文', value: { action: 'language', locale } });
  });

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    showStatus(ui('uploading'));
    let uploaded;
    try {
      uploaded = await post('/api/webchat/upload', file, {
        'content-type': file.type || 'application/octet-stream',
        'x-file-name': encodeURIComponent(file.name),
      });
    } catch {
      uploaded = { status: 0, data: {} };
    }
    if (uploaded.status !== 201) {
      const error = uploaded.data?.error;
      showStatus(
        ui(
          error === 'upload_not_expected'
            ? 'uploadNotExpected'
            : error === 'quota_exceeded'
              ? 'uploadQuota'
              : error === 'rate_limited'
                ? 'uploadTooFast'
                : 'uploadFailed',
        ),
      );
      return;
    }
    showStatus('');
    const text = input.value.trim();
    input.value = '';
    const isImage = /^image\//.test(uploaded.data.contentType);
    send(
      { text, attachments: [uploaded.data.id] },
      text || file.name,
      isImage ? uploaded.data.url : undefined,
    );
  });

  // ------------------------------------------------------------------ pushes and the dev panel

  function listen() {
    const source = new EventSource('/api/webchat/events');
    source.addEventListener('message', (event) => {
      try {
        showBot(JSON.parse(event.data));
      } catch {
        // A malformed event is skipped; the next one still shows.
      }
    });
  }

  function devPanel() {
    $('dev-panel').hidden = false;
    const list = $('dev-list');
    const refresh = async () => {
      try {
        const res = await fetch('/api/webchat/dev/outbox', { credentials: 'same-origin' });
        const data = await res.json();
        list.replaceChildren(
          ...(data.messages || []).map((m) =>
            el('li', '', `${m.at.slice(11, 19)} ${m.via || ''} → ${m.to}: ${m.text}`),
          ),
        );
      } catch {
        // The panel is a convenience; the server log has the same lines.
      }
    };
    refresh();
    setInterval(refresh, 3000);
  }

  async function start() {
    applyChrome();
    const session = await post('/api/webchat/session', { locale });
    if (session.status !== 200) {
      showStatus(ui('sendFailed'));
      return;
    }
    if (session.data.isNew) for (const m of session.data.activities || []) showBot(m);
    else showBot({ op: 'add', id: '', blocks: [{ kind: 'text', text: ui('returning') }] });
    listen();
    if (session.data.devTools) devPanel();
    document.body.dataset.ready = 'true';
  }

  start();
})();
