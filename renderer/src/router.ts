import { createRouter, createWebHashHistory, type RouteComponent, type RouteRecordRaw } from 'vue-router';

type Page = () => Promise<RouteComponent>;

/** A page of its own; `title` is the i18n key App.vue shows in the app bar. */
function page(path: string, name: string, component: Page, title: string): RouteRecordRaw {
  return { path, name, component, meta: { title } };
}

/** One item of a list page, at `<list>/<id>`: the page gets the id as a number prop, under the list's title. */
function itemPage(list: string, name: string, component: Page, title: string): RouteRecordRaw {
  return { path: `${list}/:id(\\d+)`, name, component, props: (route) => ({ id: Number(route.params.id) }), meta: { title } };
}

/** Hash history: the app is served from a custom protocol (desktop) or a file server (tests), never a routing server. */
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/scheduler' },
    page('/scheduler', 'scheduler', () => import('./pages/SchedulerPage.vue'), 'nav.scheduler'),
    itemPage('/scheduler', 'task', () => import('./pages/TaskDetailPage.vue'), 'nav.scheduler'),
    page('/recordings', 'recordings', () => import('./pages/RecordingsPage.vue'), 'nav.recordings'),
    page('/rosters', 'rosters', () => import('./pages/RostersPage.vue'), 'nav.rosters'),
    itemPage('/rosters', 'roster', () => import('./pages/RosterDetailPage.vue'), 'nav.rosters'),
    page('/templates', 'templates', () => import('./pages/TemplatesPage.vue'), 'nav.templates'),
    page('/do-not-call', 'doNotCall', () => import('./pages/DoNotCallPage.vue'), 'dnc.title'),
    page('/settings', 'settings', () => import('./pages/SettingsPage.vue'), 'nav.settings'),
    { path: '/:pathMatch(.*)*', redirect: '/scheduler' },
  ],
});
