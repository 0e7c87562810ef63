/** Pages: the operator console at /, the citizen portal under /m. Signed-out users go to the matching sign-in. */
import { createRouter, createWebHistory } from 'vue-router';
import { isStaff, session } from './session.ts';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/work' },
    { path: '/login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
    { path: '/work/:id?', component: () => import('./pages/WorkbenchPage.vue'), meta: { staff: true } },
    { path: '/map', component: () => import('./pages/OneMapPage.vue'), meta: { staff: true } },
    { path: '/vital', component: () => import('./pages/VitalSignsPage.vue'), meta: { staff: true } },
    { path: '/m', redirect: '/m/report' },
    { path: '/m/login', component: () => import('./pages/LoginPage.vue'), meta: { public: true, citizen: true } },
    { path: '/m/report', component: () => import('./citizen/ReportPage.vue'), meta: { citizen: true } },
    { path: '/m/track/:number?', component: () => import('./citizen/TrackPage.vue'), meta: { citizen: true } },
    { path: '/:rest(.*)*', redirect: '/work' },
  ],
});

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!session.token) return { path: to.meta.citizen ? '/m/login' : '/login', query: { next: to.fullPath } };
  if (to.meta.staff && !isStaff()) return '/m/report';
  return true;
});
