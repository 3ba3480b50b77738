import { PDFDocument, StandardFonts } from "pdf-lib";

/** A real PDF (made with pdf-lib) with one page per entry of `pages`, each line drawn as text. */
export async function makePdf(pages: ReadonlyArray<readonly string[]>): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = document.addPage();
    lines.forEach((line, index) => {
      page.drawText(line, { x: 50, y: 750 - index * 18, size: 12, font });
    });
  }
  return document.save();
}

/** A multipart body with one file in the field `file`, as the Letta clients send uploads. */
export function uploadForm(name: string, content: Uint8Array | string, type = ""): FormData {
  const form = new FormData();
  form.append("file", new File([content], name, { type }));
  return form;
}
