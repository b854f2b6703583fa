import 'vuetify/styles';
import '@mdi/font/css/materialdesignicons.css';
import './app.css';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { i18n } from './i18n/index.js';
import { vuetify } from './plugins/vuetify.js';
import { router } from './router.js';

createApp(App).use(createPinia()).use(i18n).use(vuetify).use(router).mount('#app');
