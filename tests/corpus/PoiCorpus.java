// Apache POI step of make_corpus.sh: rewrite a workbook the way Channel Talk writes its
// exports (POI's streaming SXSSF writer, every cell a text cell, inline strings), then
// optionally encrypt it with POI's ECMA-376 encryptor.
//
//   java PoiCorpus plain    IN.xlsx OUT.xlsx
//   java PoiCorpus agile    IN.xlsx OUT.xlsx PASSWORD   (POI's agile defaults)
//   java PoiCorpus agile256 IN.xlsx OUT.xlsx PASSWORD   (agile, AES-256 + SHA-512, as Office)
//   java PoiCorpus standard IN.xlsx OUT.xlsx PASSWORD   (standard encryption, AES-128)
//   java PoiCorpus version
import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;

import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.openxml4j.opc.PackageAccess;
import org.apache.poi.poifs.crypt.ChainingMode;
import org.apache.poi.poifs.crypt.CipherAlgorithm;
import org.apache.poi.poifs.crypt.EncryptionInfo;
import org.apache.poi.poifs.crypt.EncryptionMode;
import org.apache.poi.poifs.crypt.Encryptor;
import org.apache.poi.poifs.crypt.HashAlgorithm;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;

public final class PoiCorpus {
    private PoiCorpus() {}

    /** Every sheet of {@code source} copied as text cells into a new streaming workbook. */
    static SXSSFWorkbook copyAsText(XSSFWorkbook source) {
        SXSSFWorkbook target = new SXSSFWorkbook(100);
        for (Sheet sheet : source) {
            Sheet out = target.createSheet(sheet.getSheetName());
            for (Row row : sheet) {
                Row outRow = out.createRow(row.getRowNum());
                for (Cell cell : row) {
                    // getStringCellValue throws on a numeric, boolean or formula cell and
                    // gives "" for a blank one (POI 3.17 and 4.x alike).
                    String value = cell.getStringCellValue();
                    if (!value.isEmpty()) {
                        outRow.createCell(cell.getColumnIndex()).setCellValue(value);
                    }
                }
            }
        }
        return target;
    }

    static EncryptionInfo encryption(String mode) {
        switch (mode) {
            case "agile":
                return new EncryptionInfo(EncryptionMode.agile);
            case "agile256":
                return new EncryptionInfo(EncryptionMode.agile, CipherAlgorithm.aes256,
                    HashAlgorithm.sha512, 256, 16, ChainingMode.cbc);
            case "standard":
                return new EncryptionInfo(EncryptionMode.standard);
            default:
                throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("version")) {
            System.out.println("Apache POI " + org.apache.poi.Version.getVersion());
            return;
        }
        String mode = args[0];
        try (OPCPackage pkg = OPCPackage.open(new File(args[1]), PackageAccess.READ);
             XSSFWorkbook source = new XSSFWorkbook(pkg)) {
            SXSSFWorkbook target = copyAsText(source);
            try {
                if (mode.equals("plain")) {
                    try (OutputStream out = new FileOutputStream(args[2])) {
                        target.write(out);
                    }
                    return;
                }
                EncryptionInfo info = encryption(mode);
                Encryptor encryptor = info.getEncryptor();
                encryptor.confirmPassword(args[3]);
                try (POIFSFileSystem fs = new POIFSFileSystem()) {
                    try (OutputStream data = encryptor.getDataStream(fs)) {
                        target.write(data);
                    }
                    try (OutputStream out = new FileOutputStream(args[2])) {
                        fs.writeFilesystem(out);
                    }
                }
            } finally {
                target.dispose();
                target.close();
            }
        }
    }
}
