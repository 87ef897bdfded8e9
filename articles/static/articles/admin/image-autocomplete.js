// Image choosers in the article and author forms show a thumbnail next to each result.
// Django's autocomplete.js sets select2 up first; this sets image fields up again with templates.
"use strict";
(function ($) {
  if (!$ || !$.fn.select2) { return; }
  // Fields that point at media.Image (data-model-name names the model holding the field).
  const IMAGE_FIELDS = ["lead_image", "image", "avatar"];
  function thumb(item) {
    if (!item.id) { return item.text; }
    const row = $("<span style='display:flex;align-items:center;gap:8px'></span>");
    $("<img style='height:40px;width:60px;object-fit:cover;flex:none'>")
      .attr("src", "/admin/media/image/" + item.id + "/thumbnail/").appendTo(row);
    $("<span></span>").text(item.text).appendTo(row);
    return row;
  }
  function setUp(element) {
    const select = $(element);
    if (select.data("portalThumbs") || element.name.indexOf("__prefix__") !== -1) { return; }
    if (select.data("select2")) { select.select2("destroy"); }
    select.select2({
      ajax: {
        url: element.getAttribute("data-ajax--url"),
        dataType: "json",
        delay: 250,
        data: function (params) {
          return {
            term: params.term, page: params.page, app_label: element.dataset.appLabel,
            model_name: element.dataset.modelName, field_name: element.dataset.fieldName
          };
        }
      },
      allowClear: element.getAttribute("data-allow-clear") === "true",
      placeholder: element.getAttribute("data-placeholder") || "",
      theme: element.getAttribute("data-theme") || "admin-autocomplete",
      templateResult: thumb,
      templateSelection: thumb,
      width: "style"
    });
    select.data("portalThumbs", true);
  }
  function all() {
    $("select.admin-autocomplete").each(function () {
      if (IMAGE_FIELDS.indexOf(this.dataset.fieldName) !== -1) { setUp(this); }
    });
  }
  $(function () { setTimeout(all, 0); });
  document.addEventListener("formset:added", function () { setTimeout(all, 0); });
})(window.django && window.django.jQuery);
