// The 3D viewer: loads the animated .glb (morph targets + head rotation) with three.js and plays it.
// With a <video>, the head follows the video's clock: every frame the animation is set to the time of
// the video frame on screen (frame i is shown from i/fps to (i+1)/fps; the .glb's key times are the
// video's frame times), so the video's play, pause and scrub controls drive both. Without one it plays
// on its own clock.
// State is published on the container for tests and the page: data-state = loading | loaded | error,
// data-time = the animation time drawn last (seconds).
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

let current = null;  // {renderer, mixer, controls, frame}

function dispose() {
  if (!current) return;
  cancelAnimationFrame(current.frame);
  current.renderer.dispose();
  current.renderer.domElement.remove();
  current = null;
}

export function showHead(container, url, video = null) {
  dispose();
  const msg = container.querySelector(".viewer-msg");
  container.dataset.state = "loading";
  msg.textContent = "Loading the 3D head ...";
  let renderer;
  try {
    renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  } catch (e) {
    container.dataset.state = "error";
    msg.textContent = "This browser cannot show 3D (WebGL is off); download the GLB instead.";
    return;
  }
  const w = container.clientWidth || 360, h = container.clientHeight || 360;
  renderer.setSize(w, h);
  renderer.setPixelRatio(window.devicePixelRatio || 1);
  container.appendChild(renderer.domElement);
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0xf2f2f0);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x666666, 2.0));
  const key = new THREE.DirectionalLight(0xffffff, 1.5);
  key.position.set(1, 1, 2);
  scene.add(key);
  const camera = new THREE.PerspectiveCamera(30, w / h, 0.1, 1000);
  const controls = new OrbitControls(camera, renderer.domElement);
  const clock = new THREE.Clock();
  current = { renderer, controls, mixer: null, actions: [], duration: 0, fps: 0, frame: 0 };
  const state = current;

  new GLTFLoader().load(url, (gltf) => {
    if (current !== state) return;
    const root = gltf.scene;
    scene.add(root);
    const box = new THREE.Box3().setFromObject(root);
    const size = box.getSize(new THREE.Vector3()).length();
    const center = box.getCenter(new THREE.Vector3());
    camera.position.copy(center).add(new THREE.Vector3(0, 0, size * 1.15));
    camera.near = size / 100; camera.far = size * 20; camera.updateProjectionMatrix();
    controls.target.copy(center); controls.update();
    let morphs = 0, meshes = 0;
    root.traverse((o) => { if (o.isMesh) { meshes += 1; morphs += (o.morphTargetInfluences || []).length; } });
    if (gltf.animations.length) {
      state.mixer = new THREE.AnimationMixer(root);
      for (const clip of gltf.animations) {
        state.actions.push(state.mixer.clipAction(clip).play());
        state.duration = Math.max(state.duration, clip.duration);
        const keys = clip.tracks.length ? clip.tracks[0].times : [];
        if (keys.length > 1) state.fps = (keys.length - 1) / (keys[keys.length - 1] - keys[0]);
      }
    }
    container.dataset.meshes = meshes;
    container.dataset.morphTargets = morphs;
    container.dataset.clips = gltf.animations.length;
    container.dataset.state = "loaded";
    msg.textContent = "";
  }, undefined, (err) => {
    if (current !== state) return;
    container.dataset.state = "error";
    msg.textContent = `Could not load the 3D head: ${err.message || err}`;
  });

  const loop = () => {
    state.frame = requestAnimationFrame(loop);
    const dt = clock.getDelta();
    if (state.mixer && video) {
      // clamp just inside the clip: at exactly its duration a repeating action wraps to 0
      const shown = state.fps ? Math.floor(video.currentTime * state.fps + 1e-3) / state.fps : video.currentTime;
      const t = Math.min(Math.max(shown, 0), Math.max(state.duration - 1e-4, 0));
      for (const a of state.actions) a.time = t;
      state.mixer.update(0);
      container.dataset.time = t.toFixed(4);
    } else if (state.mixer) {
      state.mixer.update(dt);
      container.dataset.time = state.actions.length ? state.actions[0].time.toFixed(4) : "0";
    }
    renderer.render(scene, camera);
  };
  loop();
}
