// Filter the table as the user types; without JavaScript the form filters on the server.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("filter");
  const shown = document.getElementById("shown");
  const rows = Array.from(document.querySelectorAll("tbody tr"));
  if (!input || !shown) return;
  const total = shown.textContent.replace(/^\d+ of /, "");
  const apply = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    for (const row of rows) {
      const text = row.dataset.search || "";
      const match = words.every((word) => text.includes(word));
      row.hidden = !match;
      if (match) count += 1;
    }
    shown.textContent = `${count} of ${total}`;
  };
  input.addEventListener("input", apply);
});
