// Mounts the Svelte demo app (demo/svelte/App.svelte) into the page.
import { mount } from 'svelte';
import App from './App.svelte';

mount(App, { target: document.getElementById('app') });
