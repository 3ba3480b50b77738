import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ConnectionProvider } from "./api/connection";
import { App } from "./app";
import "./styles.css";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <ConnectionProvider>
      <App />
    </ConnectionProvider>
  </StrictMode>,
);

// The service worker caches the app's shell so the installed app opens without a round trip.
if ("serviceWorker" in navigator && import.meta.env.PROD) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js").catch((error: unknown) => {
      console.warn("service worker not registered:", error);
    });
  });
}
