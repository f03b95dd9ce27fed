// The elements inside a Vue 3 app (Vue from npm, bundled by `npm run build`, templates compiled in
// the page). Vue sets a prop the element has as a property, and `@rtc-message` listens to the
// event of that name. `isCustomElement` tells Vue that the rtc-* tags are not Vue components.
import { createApp, ref } from 'vue/dist/vue.esm-bundler.js';

const app = createApp({
  setup() {
    const room = new URLSearchParams(location.search).get('room') || 'vue';
    const state = ref('new');
    const messages = ref([]);
    const text = ref('');
    const channel = ref(null);
    const add = (who, message) => messages.value.push({ who, message, key: messages.value.length });
    const send = () => {
      if (!text.value) return;
      add('me', text.value);
      channel.value.send(text.value).catch((error) => add('me', `(not sent: ${error.message})`));
      text.value = '';
    };
    const received = (data) => add('them', typeof data === 'string' ? data : '(bytes)');
    return { room, state, messages, text, channel, send, received };
  },
  template: `
    <h1>rtc-elements in Vue</h1>
    <p>Room {{ room }}; connection <output aria-live="polite">{{ state }}</output></p>
    <rtc-call signaling="/" :room="room" video @rtc-statechange="state = $event.detail.state">
      <div class="videos">
        <rtc-video local mirror label="My camera"></rtc-video>
        <rtc-video remote label="The other person"></rtc-video>
      </div>
      <rtc-data-channel label="chat" ref="channel" @rtc-message="received($event.detail.data)"></rtc-data-channel>
    </rtc-call>
    <ul id="log" aria-label="Messages">
      <li v-for="m in messages" :key="m.key" :class="m.who">{{ m.who }}: {{ m.message }}</li>
    </ul>
    <form @submit.prevent="send">
      <label for="text">Message</label>
      <input id="text" v-model="text">
      <button type="submit">Send</button>
    </form>`,
});
app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('rtc-');
app.mount('#app');
