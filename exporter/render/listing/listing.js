// The listing's filter: rows hide as the user types (without JavaScript the form asks the server).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("filter");
  const shown = document.getElementById("shown");
  if (!input || !shown) return;
  const rows = Array.from(document.querySelectorAll("tbody tr"));
  const total = shown.textContent.replace(/^\d+ of /, "");
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    for (const row of rows) {
      const match = words.every((word) => (row.dataset.search || "").includes(word));
      row.hidden = !match;
      count += match ? 1 : 0;
    }
    shown.textContent = `${count} of ${total}`;
  });
});
