// Upload preview, and the focal point set by clicking the photo.
(function () {
  const upload = document.getElementById("id_upload");
  if (upload) {
    const preview = document.createElement("img");
    preview.style.cssText = "display:none;max-width:480px;max-height:360px;margin-top:8px";
    upload.parentNode.appendChild(preview);
    upload.addEventListener("change", function () {
      const file = upload.files && upload.files[0];
      if (!file) { preview.style.display = "none"; return; }
      preview.src = URL.createObjectURL(file);
      preview.style.display = "block";
    });
  }
  const picker = document.querySelector(".focal-picker");
  if (picker) {
    const marker = picker.querySelector(".focal-marker");
    const fx = document.getElementById("id_focal_x"), fy = document.getElementById("id_focal_y");
    picker.addEventListener("click", function (event) {
      const box = picker.querySelector("img").getBoundingClientRect();
      const x = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
      const y = Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1);
      fx.value = x.toFixed(3); fy.value = y.toFixed(3);
      marker.style.left = (x * 100) + "%"; marker.style.top = (y * 100) + "%";
    });
  }
})();
