import { createRouter, createWebHashHistory } from 'vue-router';

/** Hash history: the app is served from a custom protocol (desktop) or a file server (tests), never a routing server. */
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/scheduler' },
    { path: '/scheduler', name: 'scheduler', component: () => import('./pages/SchedulerPage.vue'), meta: { title: 'nav.scheduler' } },
    {
      path: '/scheduler/:id(\\d+)',
      name: 'task',
      component: () => import('./pages/TaskDetailPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { title: 'nav.scheduler' },
    },
    { path: '/recordings', name: 'recordings', component: () => import('./pages/RecordingsPage.vue'), meta: { title: 'nav.recordings' } },
    { path: '/rosters', name: 'rosters', component: () => import('./pages/RostersPage.vue'), meta: { title: 'nav.rosters' } },
    {
      path: '/rosters/:id(\\d+)',
      name: 'roster',
      component: () => import('./pages/RosterDetailPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { title: 'nav.rosters' },
    },
    { path: '/templates', name: 'templates', component: () => import('./pages/TemplatesPage.vue'), meta: { title: 'nav.templates' } },
    { path: '/do-not-call', name: 'doNotCall', component: () => import('./pages/DoNotCallPage.vue'), meta: { title: 'dnc.title' } },
    { path: '/settings', name: 'settings', component: () => import('./pages/SettingsPage.vue'), meta: { title: 'nav.settings' } },
    { path: '/:pathMatch(.*)*', redirect: '/scheduler' },
  ],
});
