// The file picker in Chinese: the browser's own button speaks the browser's language.
(function () {
  var input = document.getElementById("export");
  var name = document.getElementById("export-name");
  if (!input || !name) { return; }
  input.addEventListener("change", function () {
    name.textContent = input.files.length ? input.files[0].name : "未选择文件";
  });
})();
